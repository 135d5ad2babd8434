/* test_framer: XMPP stream bytes to frames, whatever the splits (RFC 6120 4, 11). */
#include <config.h>

#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "ejlog.h"
#include "framer.h"
#include "stanza.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define NS_STREAMS "http://etherx.jabber.org/streams"
#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define NS_XML "http://www.w3.org/XML/1998/namespace"

/* A plain header used by the shorter cases (85 bytes). */
#define HDR "<stream:stream xmlns='jabber:client' xmlns:stream='" NS_STREAMS "'>"
#define HDR_SUMMARY "stream-open <stream:stream{" NS_STREAMS "}/>\n"

/*
 * A client login as a typical client sends it to ejabberd 23.01: header,
 * STARTTLS, restart with a declaration (after TLS), SASL PLAIN, restart
 * without one (after SASL success, double quotes this time), bind, initial
 * presence, a whitespace keepalive, close.
 */
static const char client_stream[] =
    "<?xml version='1.0'?>"
    "<stream:stream to='xmppflow.test' version='1.0' xml:lang='en' xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams'>"
    "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
    "<?xml version='1.0'?>"
    "<stream:stream to='xmppflow.test' version='1.0' xml:lang='en' xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams'>"
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>"
    "<stream:stream to=\"xmppflow.test\" version=\"1.0\" xml:lang=\"en\" xmlns=\"jabber:client\" "
    "xmlns:stream=\"http://etherx.jabber.org/streams\">"
    "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
    "<resource>r</resource></bind></iq>"
    "<presence/>"
    " "
    "</stream:stream>";

static const char client_summary[] =
    "stream-open+decl <stream:stream{" NS_STREAMS "} to='xmppflow.test' version='1.0' "
    "xml:lang='en'/>\n"
    "element <starttls{" NS_TLS "}/>\n"
    "stream-open+decl <stream:stream{" NS_STREAMS "} to='xmppflow.test' version='1.0' "
    "xml:lang='en'/>\n"
    "element <auth{" NS_SASL "} mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>\n"
    "stream-open <stream:stream{" NS_STREAMS "} to='xmppflow.test' version='1.0' "
    "xml:lang='en'/>\n"
    "element <iq{jabber:client} type='set' id='b1'><bind{" NS_BIND "}><resource{" NS_BIND
    "}>r</resource></bind></iq>\n"
    "element <presence{jabber:client}/>\n"
    "whitespace\n"
    "stream-close\n";

/* The server side of the same login, as ejabberd 23.01 answers. */
static const char server_stream[] =
    "<?xml version='1.0'?>"
    "<stream:stream id='123' from='xmppflow.test' version='1.0' xml:lang='en' "
    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
    "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
    "<mechanism>X-OAUTH2</mechanism></mechanisms></stream:features>"
    "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
    "<?xml version='1.0'?>"
    "<stream:stream id='456' from='xmppflow.test' version='1.0' xml:lang='en' "
    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms>"
    "</stream:features>"
    "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
    "<?xml version='1.0'?>"
    "<stream:stream id='789' from='xmppflow.test' version='1.0' xml:lang='en' "
    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
    "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>"
    "<sm xmlns='urn:xmpp:sm:3'/></stream:features>"
    "<iq xml:lang='en' type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
    "<jid>alice@xmppflow.test/r</jid></bind></iq>"
    "</stream:stream>";

static const char server_summary[] =
    "stream-open+decl <stream:stream{" NS_STREAMS "} id='123' from='xmppflow.test' "
    "version='1.0' xml:lang='en'/>\n"
    "element <stream:features{" NS_STREAMS "}><starttls{" NS_TLS "}/><mechanisms{" NS_SASL
    "}><mechanism{" NS_SASL "}>PLAIN</mechanism><mechanism{" NS_SASL
    "}>X-OAUTH2</mechanism></mechanisms></stream:features>\n"
    "element <proceed{" NS_TLS "}/>\n"
    "stream-open+decl <stream:stream{" NS_STREAMS "} id='456' from='xmppflow.test' "
    "version='1.0' xml:lang='en'/>\n"
    "element <stream:features{" NS_STREAMS "}><mechanisms{" NS_SASL "}><mechanism{" NS_SASL
    "}>PLAIN</mechanism><mechanism{" NS_SASL
    "}>SCRAM-SHA-1</mechanism></mechanisms></stream:features>\n"
    "element <success{" NS_SASL "}/>\n"
    "stream-open+decl <stream:stream{" NS_STREAMS "} id='789' from='xmppflow.test' "
    "version='1.0' xml:lang='en'/>\n"
    "element <stream:features{" NS_STREAMS "}><bind{" NS_BIND
    "}/><session{urn:ietf:params:xml:ns:xmpp-session}><optional{"
    "urn:ietf:params:xml:ns:xmpp-session}/></session><sm{urn:xmpp:sm:3}/></stream:features>\n"
    "element <iq{jabber:client} xml:lang='en' type='result' id='b1'><bind{" NS_BIND
    "}><jid{" NS_BIND "}>alice@xmppflow.test/r</jid></bind></iq>\n"
    "stream-close\n";

/*
 * Bad and unusual input in one stream, for the split tests: comments, PIs,
 * CDATA, entities, whitespace, text and DTDs at top level, mismatched tags,
 * an undeclared entity, a stray end tag, a close and a new stream.
 */
static const char rough_stream[] =
    "\n<?xml version='1.0'?>\n<!-- hello -->\n<!DOCTYPE x [<!ENTITY a 'b'> <!-- ]> --> ]>"
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    "  <message to=\"a'b\" id='x&apos;y'><body>1 &lt; 2<![CDATA[ <not-a-tag> ]]></body></message>"
    "<?pi x?>oops<a><b></a><presence/>\t</message><iq type='get' id='e'>&a;</iq>"
    "<x><!-- c --><y a='>'/></x><z xmlns='urn:z'><?xml version='1.0'?></z>"
    "</stream:stream>  <after/>junk<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>"
    "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";

/* ---- helpers ---- */

static void
put_qname(struct buf *b, const char *prefix, const char *name)
{
    if (prefix)
        buf_printf(b, "%s:", prefix);
    buf_append_str(b, name);
}

/* <qname{ns} a='v'>text<child/></qname>; |full| adds attribute namespaces. */
static void
put_element(struct buf *b, const struct stanza *s, bool full)
{
    buf_append_char(b, '<');
    put_qname(b, s->prefix, s->name);
    if (s->ns)
        buf_printf(b, "{%s}", s->ns);
    for (size_t i = 0; i < s->nattrs; i++) {
        const struct stanza_attr *a = &s->attrs[i];
        buf_append_char(b, ' ');
        put_qname(b, a->prefix, a->name);
        if (full && a->ns)
            buf_printf(b, "{%s}", a->ns);
        buf_printf(b, "='%s'", a->value);
    }
    cr_assert_not_null(s->text);
    cr_assert_eq(strlen(s->text), s->text_len);
    if (!s->text_len && !s->nchildren) {
        buf_append_str(b, "/>");
        return;
    }
    buf_append_char(b, '>');
    buf_append(b, s->text, s->text_len);
    for (size_t i = 0; i < s->nchildren; i++)
        put_element(b, s->children[i], full);
    buf_append_str(b, "</");
    put_qname(b, s->prefix, s->name);
    buf_append_char(b, '>');
}

static void
put_frame(struct buf *b, const struct frame *fr, bool full)
{
    buf_append_str(b, frame_kind_name(fr->kind));
    if (fr->xml_decl)
        buf_append_str(b, "+decl");
    if (fr->outside)
        buf_append_str(b, "+outside");
    if (full)
        buf_printf(b, " @%zu+%zu", fr->offset, fr->size);
    if (fr->damaged)
        buf_printf(b, " damaged(%zu+%zu)", fr->gap_offset, fr->gap_bytes);
    if (fr->message)
        buf_printf(b, ": %s", fr->message);
    if (fr->el) {
        buf_append_char(b, ' ');
        put_element(b, fr->el, full);
    }
    buf_append_char(b, '\n');
}

static void
drain(struct framer *f, struct buf *b, bool full)
{
    struct frame fr;
    while (framer_next(f, &fr))
        put_frame(b, &fr, full);
}

/* Frames of |data| fed in pieces cut at the ascending offsets |cuts|, then finished. */
static char *
trace_cuts(const char *data, size_t len, const size_t *cuts, size_t ncuts, bool full,
           const struct framer_limits *lim)
{
    struct framer *f = framer_new("test", lim);
    struct buf b = {0};
    size_t from = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        framer_feed(f, data + from, to - from);
        drain(f, &b, full);
        from = to;
    }
    framer_finish(f);
    drain(f, &b, full);
    framer_free(f);
    char *s = strdup(buf_str(&b));
    buf_clear(&b);
    return s;
}

static char *
trace(const char *data, bool full)
{
    return trace_cuts(data, strlen(data), NULL, 0, full, NULL);
}

static char *
trace_limits(const char *data, const struct framer_limits *lim)
{
    return trace_cuts(data, strlen(data), NULL, 0, false, lim);
}

static char *
trace_bytes(const char *data, size_t len, bool full)
{
    struct framer *f = framer_new("test", NULL);
    struct buf b = {0};
    for (size_t i = 0; i < len; i++) {
        framer_feed(f, data + i, 1);
        drain(f, &b, full);
    }
    framer_finish(f);
    drain(f, &b, full);
    framer_free(f);
    char *s = strdup(buf_str(&b));
    buf_clear(&b);
    return s;
}

static uint64_t
rnd(uint64_t *state)
{
    uint64_t x = *state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static int
cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static char *
trace_random(const char *data, size_t len, uint64_t *seed)
{
    size_t cuts[24];
    size_t n = 1 + rnd(seed) % NELEMS(cuts);
    for (size_t i = 0; i < n; i++)
        cuts[i] = len ? rnd(seed) % (len + 1) : 0;
    qsort(cuts, n, sizeof(cuts[0]), cmp_size);
    return trace_cuts(data, len, cuts, n, true, NULL);
}

static bool
valid_message(const char *m)
{
    const unsigned char *p = (const unsigned char *)m;
    while (*p) {
        size_t n = *p < 0x80                  ? 1
                   : *p >= 0xc2 && *p <= 0xdf ? 2
                   : *p >= 0xe0 && *p <= 0xef ? 3
                   : *p >= 0xf0 && *p <= 0xf4 ? 4
                                              : 0;
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f)))
            return false;
        for (size_t k = 1; k < n; k++)
            if ((p[k] & 0xc0) != 0x80)
                return false;
        p += n;
    }
    return true;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Elements outside any stream: a stanza before the first header, a stream
 * error with no header (the server's), its close, a header, its close, then
 * data after the close and a stray end tag.
 */
static const char stray_stream[] =
    "<presence id='p1'/>"
    "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
    "</stream:stream>"
    "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>"
    "</stream:stream><message to='a@b'><body>late</body></message></x>";

static const char *const streams[] = {client_stream, server_stream, rough_stream, stray_stream};

/* ---- the same frames whatever the splits ---- */

Test(framer, same_frames_when_fed_byte_by_byte)
{
    for (size_t k = 0; k < NELEMS(streams); k++) {
        char *whole = trace(streams[k], true);
        char *bytes = trace_bytes(streams[k], strlen(streams[k]), true);
        cr_expect_str_eq(bytes, whole, "stream %zu", k);
        free(whole);
        free(bytes);
    }
}

Test(framer, same_frames_when_split_at_every_offset)
{
    for (size_t k = 0; k < NELEMS(streams); k++) {
        size_t len = strlen(streams[k]);
        char *whole = trace(streams[k], true);
        for (size_t i = 0; i <= len; i++) {
            char *two = trace_cuts(streams[k], len, &i, 1, true, NULL);
            cr_assert_str_eq(two, whole, "stream %zu split at %zu", k, i);
            free(two);
        }
        free(whole);
    }
}

Test(framer, same_frames_when_split_at_random_points)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (size_t k = 0; k < NELEMS(streams); k++) {
        char *whole = trace(streams[k], true);
        for (int round = 0; round < 300; round++) {
            char *split = trace_random(streams[k], strlen(streams[k]), &seed);
            cr_assert_str_eq(split, whole, "stream %zu round %d", k, round);
            free(split);
        }
        free(whole);
    }
}

Test(framer, same_frames_for_damaged_streams_whatever_the_splits)
{
    static const char junk[] = "<>/'\"&;!?-[]= x\n\xff\xc3";
    uint64_t seed = 12345;
    size_t len = strlen(client_stream);
    char *copy = malloc(len + 1);
    cr_assert_not_null(copy);
    for (int round = 0; round < 300; round++) {
        memcpy(copy, client_stream, len + 1);
        int changes = 1 + (int)(rnd(&seed) % 4);
        for (int c = 0; c < changes; c++)
            copy[rnd(&seed) % len] = junk[rnd(&seed) % (sizeof(junk) - 1)];
        char *whole = trace_cuts(copy, len, NULL, 0, true, NULL);
        char *bytes = trace_bytes(copy, len, true);
        cr_assert_str_eq(bytes, whole, "round %d byte by byte", round);
        char *split = trace_random(copy, len, &seed);
        cr_assert_str_eq(split, whole, "round %d random split", round);
        free(whole);
        free(bytes);
        free(split);
    }
    free(copy);
}

/* Every element, header and close comes out as soon as its last '>' is fed. */
Test(framer, frames_come_out_as_soon_as_their_last_byte_is_fed)
{
    for (size_t k = 0; k < NELEMS(streams); k++) {
        const char *s = streams[k];
        size_t len = strlen(s);
        struct framer *f = framer_new("test", NULL);
        size_t seen = 0;
        for (size_t i = 0; i < len; i++) {
            framer_feed(f, s + i, 1);
            struct frame fr;
            while (framer_next(f, &fr)) {
                if (fr.kind == FRAME_ELEMENT || fr.kind == FRAME_STREAM_CLOSE ||
                    (fr.kind == FRAME_STREAM_OPEN && fr.el)) {
                    cr_expect_eq(fr.offset + fr.size, i + 1, "stream %zu: %s ending at %zu", k,
                                 frame_kind_name(fr.kind), fr.offset + fr.size);
                    seen++;
                }
            }
        }
        cr_expect_gt(seen, 3, "stream %zu", k);
        framer_free(f);
    }
}

/* ---- content ---- */

Test(framer, client_login_frames)
{
    char *got = trace(client_stream, false);
    cr_expect_str_eq(got, client_summary);
    free(got);
}

Test(framer, server_login_frames)
{
    char *got = trace(server_stream, false);
    cr_expect_str_eq(got, server_summary);
    free(got);
}

Test(framer, offsets_and_sizes_cover_each_frame)
{
    struct framer *f = framer_new("c2s", NULL);
    framer_feed(f, client_stream, strlen(client_stream));
    framer_finish(f);
    struct frame fr;
    size_t n = 0, end = 0;
    while (framer_next(f, &fr)) {
        cr_expect_eq(fr.offset, end, "frame %zu starts where the previous ended", n);
        end = fr.offset + fr.size;
        const char *first = client_stream + fr.offset;
        if (fr.kind == FRAME_STREAM_OPEN)
            cr_expect(strncmp(first, "<?xml", 5) == 0 || strncmp(first, "<stream:stream", 14) == 0);
        if (fr.kind == FRAME_ELEMENT)
            cr_expect(strncmp(first + 1, fr.el->name, strlen(fr.el->name)) == 0, "frame %zu", n);
        if (fr.kind == FRAME_WHITESPACE)
            cr_expect(fr.size == 1 && *first == ' ');
        n++;
    }
    cr_expect_eq(end, strlen(client_stream));
    cr_expect_eq(n, 9);
    framer_free(f);
}

Test(framer, stream_header_attributes_and_namespaces)
{
    struct framer *f = framer_new("c2s", NULL);
    framer_feed(f, client_stream, strlen(client_stream));
    struct frame fr;
    cr_assert(framer_next(f, &fr));
    cr_assert_eq(fr.kind, FRAME_STREAM_OPEN);
    cr_expect(fr.xml_decl);
    cr_expect_null(fr.message);
    const struct stanza *h = fr.el;
    cr_assert_not_null(h);
    cr_expect(stanza_is(h, "stream", NS_STREAMS));
    cr_expect_str_eq(h->prefix, "stream");
    cr_expect_eq(h->nchildren, 0);
    cr_expect_eq(h->nattrs, 3, "namespace declarations are not attributes");
    cr_expect_str_eq(stanza_attr(h, "to", NULL), "xmppflow.test");
    cr_expect_str_eq(stanza_attr(h, "version", NULL), "1.0");
    cr_expect_str_eq(stanza_attr(h, "lang", NS_XML), "en");
    cr_expect_null(stanza_attr(h, "xmlns", NULL));
    const struct stanza_attr *lang = &h->attrs[2];
    cr_expect_str_eq(lang->prefix, "xml");
    cr_expect_str_eq(lang->ns, NS_XML);
    cr_expect_null(h->attrs[0].ns, "unprefixed attributes have no namespace");
    framer_free(f);
}

Test(framer, elements_inherit_the_default_namespace_of_the_header)
{
    char *got = trace(HDR "<message to='bob@xmppflow.test'><body>hi</body></message>"
                          "<stream:features/>"
                          "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
                          "<x:y xmlns:x='urn:x'><z/></x:y>",
                      false);
    cr_expect_str_eq(got, HDR_SUMMARY "element <message{jabber:client} to='bob@xmppflow.test'>"
                                      "<body{jabber:client}>hi</body></message>\n"
                                      "element <stream:features{" NS_STREAMS "}/>\n"
                                      "element <auth{" NS_SASL "}/>\n"
                                      "element <x:y{urn:x}><z{jabber:client}/></x:y>\n");
    free(got);
}

Test(framer, attribute_quotes_and_entities_are_decoded)
{
    static const struct {
        const char *element;
        const char *name, *want;
    } rows[] = {
        {"<m a='single'/>", "a", "single"},
        {"<m a=\"double\"/>", "a", "double"},
        {"<m a=\"it's\"/>", "a", "it's"},
        {"<m a='say \"hi\"'/>", "a", "say \"hi\""},
        {"<m a='it&apos;s'/>", "a", "it's"},
        {"<m a=\"&quot;q&quot;\"/>", "a", "\"q\""},
        {"<m a='&lt;&gt;&amp;&#65;&#x42;'/>", "a", "<>&AB"},
        {"<m a='&amp;&#38;&#x26;amp;&amp;#38;'/>", "a", "&&&amp;&#38;"},
        {"<m a='x>y'/>", "a", "x>y"},
        {"<m a='/>'/>", "a", "/>"},
        {"<m\n\ta = 'spaced' />", "a", "spaced"},
        {"<m a='&#x1F600;'/>", "a", "\xf0\x9f\x98\x80"},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct framer *f = framer_new("test", NULL);
        framer_feed(f, HDR, strlen(HDR));
        framer_feed(f, rows[i].element, strlen(rows[i].element));
        struct frame fr;
        cr_assert(framer_next(f, &fr), "row %zu", i);
        cr_assert(framer_next(f, &fr), "row %zu", i);
        cr_assert_eq(fr.kind, FRAME_ELEMENT, "row %zu: %s", i, fr.message ? fr.message : "");
        cr_expect_str_eq(stanza_attr(fr.el, rows[i].name, NULL), rows[i].want, "row %zu", i);
        cr_expect_not(framer_next(f, &fr), "row %zu", i);
        framer_free(f);
    }
}

Test(framer, cdata_and_character_references_become_text)
{
    char *got = trace(HDR "<body>a<![CDATA[<b>&amp;]] >]]>&lt;&#x20;z&amp;</body>"
                          "<body><![CDATA[]]></body>",
                      false);
    cr_expect_str_eq(got, HDR_SUMMARY "element <body{jabber:client}>a<b>&amp;]] >< z&</body>\n"
                                      "element <body{jabber:client}/>\n");
    free(got);
}

Test(framer, text_is_kept_per_element)
{
    char *got = trace(HDR "<message><body>one</body>\n  <thread>t</thread>\n</message>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "element <message{jabber:client}>\n  \n"
                                      "<body{jabber:client}>one</body>"
                                      "<thread{jabber:client}>t</thread></message>\n");
    free(got);
}

/* ---- stream restarts (RFC 6120 4.3.3) ---- */

Test(framer, restart_after_tls_with_declaration)
{
    char *got = trace(HDR "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                          "<?xml version='1.0'?>" HDR "<presence/>",
                      false);
    cr_expect_str_eq(got, HDR_SUMMARY "element <proceed{" NS_TLS "}/>\n"
                                      "stream-open+decl <stream:stream{" NS_STREAMS "}/>\n"
                                      "element <presence{jabber:client}/>\n");
    free(got);
}

Test(framer, restart_after_sasl_without_declaration)
{
    char *got =
        trace(HDR "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" HDR "<presence/>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "element <success{" NS_SASL "}/>\n" HDR_SUMMARY
                                      "element <presence{jabber:client}/>\n");
    free(got);
}

/* The new header's namespaces apply after a restart, not the old one's. */
Test(framer, restart_takes_the_new_header_namespaces)
{
    char *got = trace("<s:stream xmlns='jabber:client' xmlns:s='" NS_STREAMS "'><a/>"
                      "<stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS "'>"
                      "<a/><s:b/>",
                      false);
    cr_expect_str_eq(got, "stream-open <s:stream{" NS_STREAMS "}/>\n"
                          "element <a{jabber:client}/>\n"
                          "stream-open <stream:stream{" NS_STREAMS "}/>\n"
                          "element <a{jabber:server}/>\n"
                          "error: Namespace prefix s on b is not defined (in <s:b> at byte 4)\n");
    free(got);
}

Test(framer, restart_split_inside_declaration_and_header)
{
    static const char *const pieces[] = {
        HDR "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><",
        "?",
        "x",
        "ml version='1.0'?",
        "><stream:str",
        "eam xmlns='jabber:client' xmlns:stream='" NS_STREAMS "'",
        ">",
        "<pres",
        "ence/>",
    };
    struct framer *f = framer_new("test", NULL);
    struct buf b = {0};
    for (size_t i = 0; i < NELEMS(pieces); i++) {
        framer_feed(f, pieces[i], strlen(pieces[i]));
        drain(f, &b, false);
    }
    cr_expect_str_eq(buf_str(&b), HDR_SUMMARY "element <success{" NS_SASL "}/>\n"
                                              "stream-open+decl <stream:stream{" NS_STREAMS "}/>\n"
                                              "element <presence{jabber:client}/>\n");
    framer_free(f);
    buf_clear(&b);
}

Test(framer, whitespace_between_declaration_and_header_belongs_to_the_header)
{
    const char *s = "\n<?xml version='1.0' encoding='UTF-8'?>\n\n" HDR "\n";
    char *got = trace(s, true);
    cr_expect_str_eq(got, "whitespace @0+1\n"
                          "stream-open+decl @1+125 <stream:stream{" NS_STREAMS "}/>\n"
                          "whitespace @126+1\n");
    free(got);
}

Test(framer, close_then_new_stream)
{
    char *got = trace(HDR "<a/></stream:stream><?xml version='1.0'?>" HDR "<b/>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "element <a{jabber:client}/>\n"
                                      "stream-close\n"
                                      "stream-open+decl <stream:stream{" NS_STREAMS "}/>\n"
                                      "element <b{jabber:client}/>\n");
    free(got);
}

Test(framer, data_after_close_is_framed_outside_the_stream)
{
    char *got = trace(HDR "</stream:stream><message/>junk</x>" HDR "<b/>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "stream-close\n"
                                      "element+outside <message{jabber:client}/>\n"
                                      "error: text outside elements\n"
                                      "error: unexpected end tag </x>\n" HDR_SUMMARY
                                      "element <b{jabber:client}/>\n");
    free(got);
}

Test(framer, element_before_any_header_is_framed_outside_the_stream)
{
    /* RFC 6120 4.2: the header comes first; the login judges what came instead (A1, K3) */
    char *got = trace(stray_stream, false);
    cr_expect_str_eq(got, "element+outside <presence{jabber:client} id='p1'/>\n"
                          "element+outside <stream:error{" NS_STREAMS "}><host-unknown{"
                          "urn:ietf:params:xml:ns:xmpp-streams}/></stream:error>\n"
                          "stream-close+outside\n"
                          "stream-open <stream:stream{" NS_STREAMS "}/>\n"
                          "stream-close\n"
                          "element+outside <message{jabber:server} to='a@b'><body{jabber:server}>"
                          "late</body></message>\n"
                          "error: unexpected end tag </x>\n");
    free(got);
}

Test(framer, close_outside_a_stream_without_stray_data_stays_an_error)
{
    char *got = trace("</stream:stream>" HDR "</stream:stream></stream:stream>", false);
    cr_expect_str_eq(got, "error: unexpected end tag </stream:stream>\n" HDR_SUMMARY
                          "stream-close\n"
                          "error: unexpected end tag </stream:stream>\n");
    free(got);
}

Test(framer, elements_outside_a_stream_keep_the_size_cap)
{
    /* hostile input: a huge element with no stream is skipped at the cap like any other */
    struct framer_limits lim = {.max_element = 64};
    struct buf in = {0};
    buf_append_str(&in, "<message><body>");
    for (int i = 0; i < 4096; i++)
        buf_append_str(&in, "xxxxxxxx");
    buf_append_str(&in, "</body></message><presence/>");
    char *got = trace_limits(buf_str(&in), &lim);
    cr_expect_str_eq(got, "oversize: element <message> exceeds 64 bytes; skipped\n"
                          "element+outside <presence{jabber:client}/>\n");
    free(got);
    buf_clear(&in);
}

Test(framer, header_records_its_default_namespace)
{
    struct framer *f = framer_new("test", NULL);
    static const char in[] =
        "<stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS "'>"
        "<stream:stream xmlns:stream='" NS_STREAMS "'><message xmlns='jabber:client'/>";
    framer_feed(f, in, sizeof(in) - 1);
    struct frame fr;
    cr_assert(framer_next(f, &fr));
    cr_assert_eq(fr.kind, FRAME_STREAM_OPEN);
    cr_expect_str_eq(fr.el->default_ns, "jabber:server");
    cr_assert(framer_next(f, &fr));
    cr_assert_eq(fr.kind, FRAME_STREAM_OPEN);
    cr_expect_null(fr.el->default_ns, "no xmlns='...' on the second header");
    cr_assert(framer_next(f, &fr));
    cr_assert_eq(fr.kind, FRAME_ELEMENT);
    cr_expect_null(fr.el->default_ns, "only headers record it");
    cr_expect_not(fr.outside);
    framer_free(f);
}

Test(framer, close_inside_an_element_ends_element_and_stream)
{
    char *got = trace(HDR "<message><body>hi</stream:stream>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "error: Opening and ending tag mismatch: body and "
                                      "stream:stream (in <message> at byte 33)\n"
                                      "stream-close\n");
    free(got);
}

/* ---- top-level text, whitespace, comments ---- */

Test(framer, whitespace_runs_become_one_frame_each)
{
    const char *s = HDR " \n\t <presence/>\r\n";
    char *got = trace_bytes(s, strlen(s), true);
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "whitespace @85+4\n"
                          "element @89+11 <presence{jabber:client}/>\n"
                          "whitespace @100+2\n");
    free(got);
}

Test(framer, text_between_elements_is_an_error)
{
    char *got = trace(HDR "hello world <presence/>", true);
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "error @85+12: text outside elements\n"
                          "element @97+11 <presence{jabber:client}/>\n");
    free(got);
}

Test(framer, lone_angle_bracket_is_text)
{
    char *got = trace(HDR "< <presence/>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "error: text outside elements\n"
                                      "element <presence{jabber:client}/>\n");
    free(got);
}

Test(framer, comments_and_pis_between_elements_are_reported_and_skipped)
{
    char *got = trace(HDR "<!-- <fake/> -- -->"
                          "<a/>"
                          "<?php echo 1 ?>"
                          "<b/>"
                          "<!---->"
                          "<c/>",
                      false);
    cr_expect_str_eq(got, HDR_SUMMARY "error: restricted XML: comment\n"
                                      "element <a{jabber:client}/>\n"
                                      "error: restricted XML: processing instruction\n"
                                      "element <b{jabber:client}/>\n"
                                      "error: restricted XML: comment\n"
                                      "element <c{jabber:client}/>\n");
    free(got);
}

Test(framer, comment_inside_an_element_is_reported_and_the_element_kept)
{
    char *got = trace(HDR "<message><!-- x --><body>hi<?pi?></body></message>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "error: restricted XML: comment\n"
                                      "error: restricted XML: processing instruction\n"
                                      "element <message{jabber:client}>"
                                      "<body{jabber:client}>hi</body></message>\n");
    free(got);
}

Test(framer, byte_order_mark_and_other_encodings_are_restricted)
{
    char *got = trace("\xef\xbb\xbf<?xml version='1.0' encoding='ISO-8859-1'?>" HDR, false);
    cr_expect_str_eq(got, "error: restricted XML: byte order mark\n"
                          "error: restricted XML: encoding 'ISO-8859-1' is not UTF-8\n"
                          "stream-open+decl <stream:stream{" NS_STREAMS "}/>\n");
    free(got);
}

Test(framer, invalid_utf8_is_an_error_then_parsing_resumes)
{
    char *got = trace(HDR "<body>\xc3\x28</body><body>\xc3\xa9</body>", false);
    cr_expect_str_eq(got, HDR_SUMMARY
                     "error: restricted XML: Input is not proper UTF-8, indicate encoding ! "
                          "(in <body> at byte 6)\n"
                     "element <body{jabber:client}>\xc3\xa9</body>\n");
    free(got);
}

/* ---- errors and resynchronisation ---- */

Test(framer, mismatched_tags_give_an_error_then_the_next_element)
{
    char *got = trace(HDR "<a><b></a><message to='x'/>", true);
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "error @85+10: Opening and ending tag mismatch: b and a (in <a> at byte 10)\n"
                          "element @95+17 <message{jabber:client} to='x'/>\n");
    free(got);
}

Test(framer, malformed_elements_give_one_error_each_and_parsing_resumes)
{
    static const char *const bad[] = {
        "<a><b></a>",
        "<a x='1' x='2'/>",
        "<a x=1/>",
        "<a x='<'/>",
        "<a>&amp</a>",
        "<a>&#0;</a>",
        "<a><b></b></c></a>",
        "<1a/>",
        "<a>]]></a>",
        "<a>\x01</a>",
        "<p:a/>",
        "<a xmlns:p=''/>",
        "<?xml-x?><a><?xml version='1.0'?></a>",
    };
    for (size_t i = 0; i < NELEMS(bad); i++) {
        struct buf in = {0};
        buf_printf(&in, "%s%s<presence/>", HDR, bad[i]);
        struct framer *f = framer_new("test", NULL);
        framer_feed(f, in.data, in.len);
        framer_finish(f);
        struct frame fr;
        size_t errors = 0, elements = 0;
        char last[32] = "(none)";
        while (framer_next(f, &fr)) {
            if (fr.kind == FRAME_ERROR)
                errors++;
            if (fr.kind == FRAME_ELEMENT) {
                elements++;
                snprintf(last, sizeof(last), "%s", fr.el->name); /* dies next call */
            }
            if (fr.message)
                cr_expect(valid_message(fr.message), "row %zu", i);
        }
        cr_expect_geq(errors, 1, "row %zu: %s", i, bad[i]);
        cr_expect_eq(elements, 1, "row %zu: %s", i, bad[i]);
        cr_expect_str_eq(last, "presence", "row %zu: %s", i, bad[i]);
        framer_free(f);
        buf_clear(&in);
    }
}

Test(framer, undeclared_entity_is_an_error)
{
    char *got = trace(HDR "<body>&nbsp;</body><presence/>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "error: restricted XML: Entity 'nbsp' not defined (in <body> at byte 12)\n"
                                      "element <presence{jabber:client}/>\n");
    free(got);
}

Test(framer, stray_end_tag_is_an_error)
{
    char *got = trace(HDR "</message><presence/>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "error: unexpected end tag </message>\n"
                                      "element <presence{jabber:client}/>\n");
    free(got);
}

Test(framer, messages_never_carry_element_text)
{
    static const char *const bad[] = {
        "<auth xmlns='" NS_SASL "' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==&x;</auth>",
        "<auth xmlns='" NS_SASL "'>AGFsaWNlAHNlY3JldA==</auth2>",
        "<auth xmlns='" NS_SASL "'>AGFsaWNlAHNlY3JldA==<</auth>",
        "<auth xmlns='" NS_SASL "'>AGFsaWNlAHNlY3JldA==\x01</auth>",
        "<auth xmlns='" NS_SASL "'>AGFsaWNlAHNlY3JldA==\xff</auth>",
        "<auth xmlns='" NS_SASL "'>AGFsaWNlAHNlY3JldA==]]></auth>",
    };
    for (size_t i = 0; i < NELEMS(bad); i++) {
        struct buf in = {0};
        buf_printf(&in, "%s%s", HDR, bad[i]);
        struct framer *f = framer_new("test", NULL);
        framer_feed(f, in.data, in.len);
        framer_finish(f);
        struct frame fr;
        size_t errors = 0;
        while (framer_next(f, &fr)) {
            if (fr.kind != FRAME_ERROR)
                continue;
            errors++;
            cr_expect_null(strstr(fr.message, "AGFs"), "row %zu: %s", i, fr.message);
            cr_expect_null(strchr(fr.message, '\n'), "row %zu", i);
        }
        cr_expect_geq(errors, 1, "row %zu", i);
        framer_free(f);
        buf_clear(&in);
    }
}

/* Billion laughs: the DTD never reaches libxml2, so nothing is expanded. */
Test(framer, xml_bomb_is_refused_without_expansion)
{
    struct buf in = {0};
    buf_append_str(&in, "<?xml version='1.0'?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    for (int i = 1; i <= 9; i++) {
        buf_printf(&in, " <!ENTITY lol%d \"", i);
        for (int k = 0; k < 10; k++) {
            if (i == 1)
                buf_append_str(&in, "&lol;");
            else
                buf_printf(&in, "&lol%d;", i - 1);
        }
        buf_append_str(&in, "\">\n");
    }
    buf_append_str(&in, "]>\n" HDR "<message><body>&lol9;</body></message><presence/>"
                        "<!DOCTYPE again [<!ENTITY x 'y'>]><body>&x;</body>"
                        "<message><!DOCTYPE inside><body>&lol9;</body></message><c/>");
    double t0 = now();
    char *got = trace(in.data, false);
    cr_expect_lt(now() - t0, 2.0, "bounded time");
    cr_expect_str_eq(got, "error: restricted XML: DTD\n"
                          "stream-open+decl <stream:stream{" NS_STREAMS "}/>\n"
                          "error: restricted XML: Entity 'lol9' not defined (in <message> at byte 21)\n"
                          "element <presence{jabber:client}/>\n"
                          "error: restricted XML: DTD\n"
                          "error: restricted XML: Entity 'x' not defined (in <body> at byte 9)\n"
                          "error: restricted XML: DTD\n"
                          "element <c{jabber:client}/>\n");
    cr_expect_null(strstr(got, "lollol"));
    free(got);
    buf_clear(&in);
}

Test(framer, finish_inside_an_element_is_an_error_without_a_partial_element)
{
    char *got = trace(HDR "<message><body>hi", true);
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "error @85+17: input ended inside <message>\n");
    free(got);
    got = trace(HDR "<presence/><iq type='get", false);
    cr_expect_str_eq(got, HDR_SUMMARY "element <presence{jabber:client}/>\n"
                                      "error: input ended inside <iq>\n");
    free(got);
}

Test(framer, finish_with_only_the_stream_open_is_quiet)
{
    char *got = trace(HDR "<presence/>", false);
    cr_expect_str_eq(got, HDR_SUMMARY "element <presence{jabber:client}/>\n");
    free(got);
    got = trace("", false);
    cr_expect_str_eq(got, "");
    free(got);
}

Test(framer, feeding_after_finish_is_ignored)
{
    struct framer *f = framer_new("test", NULL);
    framer_feed(f, HDR, strlen(HDR));
    framer_finish(f);
    framer_feed(f, "<presence/>", 11);
    framer_finish(f);
    struct buf b = {0};
    drain(f, &b, false);
    cr_expect_str_eq(buf_str(&b), HDR_SUMMARY);
    buf_clear(&b);
    framer_free(f);
}

Test(framer, garbage_bytes_give_errors_and_nothing_on_stderr)
{
    char path[] = "/tmp/test_framer_stderr_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);

    uint64_t seed = 42;
    size_t errors = 0, frames = 0;
    for (int round = 0; round < 20; round++) {
        struct framer *f = framer_new("garbage", NULL);
        if (round % 2)
            framer_feed(f, HDR, strlen(HDR));
        unsigned char chunk[4096];
        for (int c = 0; c < 64; c++) {
            size_t n = 1 + rnd(&seed) % sizeof(chunk);
            for (size_t i = 0; i < n; i++) {
                uint64_t r = rnd(&seed);
                /* a third markup characters, the rest any byte */
                chunk[i] =
                    r % 3 ? (unsigned char)(r >> 8) : (unsigned char)"<>/?!-'\"&;[] "[r % 14];
            }
            framer_feed(f, (const char *)chunk, n);
            if (rnd(&seed) % 16 == 0)
                framer_gap(f);
            struct frame fr;
            while (framer_next(f, &fr)) {
                frames++;
                errors += fr.kind == FRAME_ERROR;
                if (fr.message)
                    cr_assert(valid_message(fr.message), "round %d: bad message", round);
            }
        }
        framer_finish(f);
        struct frame fr;
        while (framer_next(f, &fr))
            frames++;
        framer_free(f);
    }
    /* and a direct hit on libxml2's encoding errors */
    char *got =
        trace(HDR "<a>\x80\x80\x80</a><b>\xed\xa0\x80</b><c>\xf8\x88\x80\x80\x80</c>", false);
    free(got);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    cr_expect_gt(errors, 20);
    cr_expect_gt(frames, errors);
    cr_expect_eq(size, 0, "the framer wrote %lld bytes to stderr", (long long)size);
}

/* ---- limits ---- */

static long
max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

Test(framer, huge_element_is_skipped_in_bounded_memory_and_time)
{
    static char chunk[64 * 1024];
    memset(chunk, 'x', sizeof(chunk));
    const size_t total = 50u * 1024 * 1024;
    long rss0 = max_rss_kib();
    double t0 = now();

    struct framer *f = framer_new("big", NULL);
    struct buf b = {0};
    framer_feed(f, HDR, strlen(HDR));
    const char *open = "<message to='bob@xmppflow.test'><body>";
    framer_feed(f, open, strlen(open));
    for (size_t done = 0; done < total; done += sizeof(chunk)) {
        framer_feed(f, chunk, sizeof(chunk));
        drain(f, &b, true);
    }
    const char *close = "</body></message><presence/>";
    framer_feed(f, close, strlen(close));
    framer_finish(f);
    drain(f, &b, true);
    framer_free(f);

    double secs = now() - t0;
    long grown = max_rss_kib() - rss0;
    struct buf want = {0};
    buf_printf(&want,
               "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
               "oversize @85+1048577: element <message> exceeds 1048576 bytes; skipped\n"
               "element @%zu+11 <presence{jabber:client}/>\n",
               strlen(HDR) + strlen(open) + total + strlen("</body></message>"));
    cr_expect_str_eq(buf_str(&b), want.data);
    buf_clear(&want);
    cr_expect_lt(secs, 10.0, "took %.2f s", secs);
    cr_expect_lt(grown, 32 * 1024, "peak memory grew by %ld KiB", grown);
    buf_clear(&b);
}

Test(framer, element_at_the_size_cap_is_kept_and_one_byte_more_is_not)
{
    struct framer_limits lim = {.max_element = 100};
    struct buf in = {0};
    buf_append_str(&in, HDR "<a>");
    for (int i = 0; i < 93; i++)
        buf_append_char(&in, 'x');
    buf_append_str(&in, "</a><b>");
    for (int i = 0; i < 94; i++)
        buf_append_char(&in, 'y');
    buf_append_str(&in, "</b><c/>");
    char *got = trace_cuts(in.data, in.len, NULL, 0, true, &lim);
    struct buf want = {0};
    buf_append_str(&want, "stream-open @0+85 <stream:stream{" NS_STREAMS
                          "}/>\nelement @85+100 <a{jabber:client}>");
    for (int i = 0; i < 93; i++)
        buf_append_char(&want, 'x');
    buf_append_str(&want, "</a>\n"
                          "oversize @185+101: element <b> exceeds 100 bytes; skipped\n"
                          "element @286+4 <c{jabber:client}/>\n");
    cr_expect_str_eq(got, want.data);
    free(got);
    buf_clear(&in);
    buf_clear(&want);
}

Test(framer, oversize_header_is_skipped_and_elements_still_parse)
{
    struct framer_limits lim = {.max_element = 200};
    struct buf in = {0};
    buf_append_str(&in, "<stream:stream xmlns='jabber:client' xmlns:stream='" NS_STREAMS "' pad='");
    for (int i = 0; i < 300; i++)
        buf_append_char(&in, 'p');
    buf_append_str(&in, "'><presence/>");
    char *got = trace_limits(in.data, &lim);
    cr_expect_str_eq(got, "oversize: stream header <stream:stream> exceeds 200 bytes; skipped\n"
                          "element <presence{jabber:client}/>\n");
    free(got);
    buf_clear(&in);
}

/*
 * Framers sharing a budget (8 MiB with the default limits): nine streams each
 * in the middle of a big element hold more than it, so the largest unit is
 * given up, on its own framer, which reads on after that element; the others
 * finish theirs.
 */
Test(framer, a_shared_budget_gives_up_the_largest_unfinished_element)
{
    struct framer_limits lim = {0};
    lim.budget = framer_budget_new(&lim);
    struct framer *f[9];
    struct frame fr;
    char *fill = malloc(1000000);
    memset(fill, 'x', 1000000);
    for (int i = 0; i < 9; i++) {
        f[i] = framer_new("c", &lim);
        framer_feed(f[i], HDR "<message><body>", strlen(HDR "<message><body>"));
        cr_assert(framer_next(f[i], &fr) && fr.kind == FRAME_STREAM_OPEN);
        /* eight of 1 MB (1 MiB buffers: the budget, not past it), then 100 KB */
        framer_feed(f[i], fill, i < 8 ? 1000000 : 100000);
    }
    cr_expect_eq(framer_budget_held(lim.budget), ((size_t)7 << 20) + (128 << 10));
    cr_expect_not(framer_next(f[8], &fr), "the smallest, fed last, keeps its element");
    /* the largest are equal: the one that last began holding is given up */
    cr_assert(framer_next(f[7], &fr));
    cr_expect_eq(fr.kind, FRAME_OVERSIZE);
    cr_expect_eq(fr.offset, strlen(HDR));
    cr_expect_eq(fr.size, 1000000 + strlen("<message><body>"));
    cr_expect_str_eq(fr.message, "element <message> given up after 1000015 bytes: unfinished "
                                 "elements held more than 8 MiB; skipped");
    for (int i = 0; i < 9; i++) {
        framer_feed(f[i], "</body></message><presence/>", 28);
        if (i != 7) {
            cr_assert(framer_next(f[i], &fr));
            cr_expect_eq(fr.kind, FRAME_ELEMENT, "framer %d", i);
            cr_expect_str_eq(fr.el->name, "message");
        }
        cr_assert(framer_next(f[i], &fr));
        cr_expect_eq(fr.kind, FRAME_ELEMENT, "framer %d", i);
        cr_expect_str_eq(fr.el->name, "presence");
        cr_expect_not(framer_next(f[i], &fr));
    }
    cr_expect_eq(framer_budget_held(lim.budget), 0, "big buffers go back after their unit");
    for (int i = 0; i < 9; i++)
        framer_free(f[i]);
    framer_budget_free(lim.budget);
    free(fill);
}

Test(framer, deep_nesting_is_oversize)
{
    struct buf in = {0};
    buf_append_str(&in, HDR);
    for (int i = 0; i < 1000; i++)
        buf_append_str(&in, "<a>");
    for (int i = 0; i < 1000; i++)
        buf_append_str(&in, "</a>");
    buf_append_str(&in, "<presence/>");
    char *got = trace(in.data, false);
    cr_expect_str_eq(got,
                     HDR_SUMMARY "oversize: element <a> nested deeper than 64 levels; skipped\n"
                                 "element <presence{jabber:client}/>\n");
    free(got);
    buf_clear(&in);
}

Test(framer, depth_limit_counts_the_top_level_element)
{
    struct framer_limits lim = {.max_depth = 3};
    char *got = trace_limits(HDR "<a><b><c/></b></a><a><b><c><d/></c></b></a><e/>", &lim);
    cr_expect_str_eq(got, HDR_SUMMARY "element <a{jabber:client}><b{jabber:client}>"
                                      "<c{jabber:client}/></b></a>\n"
                                      "oversize: element <a> nested deeper than 3 levels; skipped\n"
                                      "element <e{jabber:client}/>\n");
    free(got);
}

Test(framer, not_well_formed_input_the_old_parser_let_through_is_an_error)
{
    /* each was an element before libxml2 read the units (xmlpush-corpus.txt has more) */
    static const char *const bad[] = {
        "<presence\xe2\x80\x8b/>",                        /* a zero-width space in a name */
        "<presence a\xe2\x80\x8b='1'/>",                    /* ... in an attribute name */
        "<presence\xef\xbf\xbe/>",                        /* U+FFFE, not a character */
        "<iq xmlns='http://www.w3.org/2000/xmlns/'/>",    /* the xmlns namespace bound */
        "<iq xmlns='http://www.w3.org/XML/1998/namespace'/>", /* the xml one as default */
        "<auth xmlns='urn:ietf:params:xml:n\r\ns:xmpp-sasl'/>", /* not a URI */
    };
    for (size_t i = 0; i < NELEMS(bad); i++) {
        struct buf in = {0};
        buf_printf(&in, "%s%s<presence/>", HDR, bad[i]);
        char *got = trace(in.data, false);
        cr_expect(strncmp(got, HDR_SUMMARY "error: ", sizeof(HDR_SUMMARY) - 1 + 7) == 0 &&
                      strstr(got, "\nelement <presence{jabber:client}/>\n") != NULL,
                  "%s\n%s", bad[i], got);
        free(got);
        buf_clear(&in);
    }
}

/* |n| attributes a0='1' ... on a <b> start tag (empty when |empty|). */
static void
tag_with_attrs(struct buf *b, int n, bool empty)
{
    buf_append_str(b, "<b");
    for (int i = 0; i < n; i++)
        buf_printf(b, " a%d='1'", i);
    buf_append_str(b, empty ? "/>" : ">");
}

Test(framer, too_many_attributes_at_once_is_oversize)
{
    /* libxml2 2.9 checks each attribute against every other: the framer stops it first */
    struct buf in = {0};
    buf_append_str(&in, HDR "<message>");
    tag_with_attrs(&in, 600, true);
    buf_append_str(&in, "</message><presence/>");
    char *got = trace(in.data, false);
    cr_expect_str_eq(got, HDR_SUMMARY "oversize: element <message> carries more than 512 "
                                      "attributes at once; skipped\n"
                                      "element <presence{jabber:client}/>\n");
    free(got);
    /* the same whatever the cuts */
    char *bytes = trace_bytes(in.data, in.len, false);
    cr_expect_str_eq(bytes, HDR_SUMMARY "oversize: element <message> carries more than 512 "
                                        "attributes at once; skipped\n"
                                        "element <presence{jabber:client}/>\n");
    free(bytes);
    /* nested elements count together; declarations are attributes too */
    buf_reset(&in);
    buf_append_str(&in, HDR "<message xmlns:p='u'>");
    for (int i = 0; i < 3; i++)
        tag_with_attrs(&in, 200, false);
    buf_append_str(&in, "</b></b></b></message>");
    got = trace(in.data, false);
    cr_expect(strstr(got, "oversize: element <message> carries more than 512") != NULL, "%s", got);
    free(got);
    /* siblings do not: 400 items of 4 attributes each are a roster, read whole */
    buf_reset(&in);
    buf_append_str(&in, HDR "<iq><query xmlns='jabber:iq:roster'>");
    for (int i = 0; i < 400; i++)
        tag_with_attrs(&in, 4, true);
    buf_append_str(&in, "</query></iq>");
    struct framer *f = framer_new("roster", NULL);
    framer_feed(f, in.data, in.len);
    struct frame fr;
    size_t elements = 0;
    while (framer_next(f, &fr)) {
        cr_expect_neq(fr.kind, FRAME_OVERSIZE, "%s", fr.message ? fr.message : "");
        if (fr.kind == FRAME_ELEMENT) {
            cr_expect_eq(fr.el->children[0]->nchildren, 400);
            elements++;
        }
    }
    cr_expect_eq(elements, 1);
    framer_free(f);
    /* nor a header's attributes the next element */
    buf_reset(&in);
    buf_append_str(&in, "<stream:stream xmlns='jabber:client' xmlns:stream='" NS_STREAMS "'");
    for (int i = 0; i < 500; i++)
        buf_printf(&in, " a%d='1'", i);
    buf_append_str(&in, ">");
    tag_with_attrs(&in, 500, true);
    got = trace(in.data, false);
    cr_expect(strncmp(got, "stream-open ", 12) == 0 && strstr(got, "\nelement <b{jabber:client}") != NULL,
              "%.200s", got);
    free(got);
    buf_clear(&in);
}

/* ---- gaps ---- */

Test(framer, gap_in_content_gives_what_was_seen_of_the_element_and_resyncs)
{
    struct framer *f = framer_new("gap", NULL);
    struct buf b = {0};
    const char *a = HDR "<presence/> <message><body>hel";
    const char *c = "lo</body></message><presence type='away'/><iq type='get' id='1'/>";
    framer_feed(f, a, strlen(a));
    framer_gap(f);
    framer_feed(f, c, strlen(c));
    framer_finish(f);
    drain(f, &b, false);
    /* the cut text is dropped, never completed; the number of bytes missing is unknown (0) */
    cr_expect_str_eq(buf_str(&b), HDR_SUMMARY "element <presence{jabber:client}/>\n"
                                              "whitespace\n"
                                              "element damaged(115+0) <message{jabber:client}>"
                                              "<body{jabber:client}/></message>\n"
                                              "element <presence{jabber:client} type='away'/>\n"
                                              "element <iq{jabber:client} type='get' id='1'/>\n");
    buf_clear(&b);
    framer_free(f);
}

Test(framer, gap_before_any_header_assumes_a_client_stream)
{
    struct framer *f = framer_new("gap", NULL);
    struct buf b = {0};
    framer_gap(f);
    const char *s = "ody></message></stream:features><message to='a'><body>x</body></message>";
    framer_feed(f, s, strlen(s));
    drain(f, &b, false);
    cr_expect_str_eq(buf_str(&b), "element <message{jabber:client} to='a'>"
                                  "<body{jabber:client}>x</body></message>\n");
    buf_clear(&b);
    framer_free(f);
}

Test(framer, gap_then_restart_header)
{
    struct framer *f = framer_new("gap", NULL);
    struct buf b = {0};
    const char *a = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:st";
    const char *c =
        "ream='x'>junk<stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS "'><a/>";
    framer_feed(f, a, strlen(a));
    framer_gap(f);
    framer_feed(f, c, strlen(c));
    framer_finish(f);
    drain(f, &b, false);
    cr_expect_str_eq(buf_str(&b), HDR_SUMMARY "element <a{jabber:server}/>\n");
    buf_clear(&b);
    framer_free(f);
}

Test(framer, gap_flushes_pending_whitespace)
{
    struct framer *f = framer_new("gap", NULL);
    struct buf b = {0};
    framer_feed(f, HDR "  ", strlen(HDR) + 2);
    framer_gap(f);
    framer_feed(f, "<a/>", 4);
    drain(f, &b, true);
    cr_expect_str_eq(buf_str(&b), "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                                  "whitespace @85+2\n"
                                  "element @87+4 <a{jabber:client}/>\n");
    buf_clear(&b);
    framer_free(f);
}

/* ---- elements cut by a hole (framer_gap_bytes, mend.h) ---- */

/*
 * Frames (with offsets) of |pieces| fed in turn, a hole of holes[i] bytes
 * after piece i (none after the last), then finished.
 */
static char *
trace_holes(const char *const *pieces, const size_t *holes, size_t n)
{
    struct framer *f = framer_new("holes", NULL);
    struct buf b = {0};
    for (size_t i = 0; i < n; i++) {
        framer_feed(f, pieces[i], strlen(pieces[i]));
        drain(f, &b, true);
        if (i + 1 < n) {
            framer_gap_bytes(f, holes[i]);
            drain(f, &b, true);
        }
    }
    framer_finish(f);
    drain(f, &b, true);
    framer_free(f);
    char *out = strdup(buf_str(&b));
    buf_clear(&b);
    return out;
}

/* The client's SASL PLAIN of testdata/plain-no-tls (a 65-byte start tag, 36 bytes of base64). */
#define AUTH_TAG "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">"
#define AUTH_B64 "AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE="
#define AFTER_AUTH "<stream:stream to='x' xmlns='jabber:client' xmlns:stream='" NS_STREAMS "'>"
#define AFTER_SUMMARY "stream-open @193+92 <stream:stream{" NS_STREAMS "} to='x'/>\n"

/* The frames for AUTH_TAG AUTH_B64 "</auth>" AFTER_AUTH with bytes [lo, hi) of it missing. */
static char *
trace_auth_hole(size_t lo, size_t hi)
{
    static const char whole[] = HDR AUTH_TAG AUTH_B64 "</auth>" AFTER_AUTH;
    char *a = strndup(whole, lo);
    const char *pieces[] = {a, whole + hi};
    size_t holes[] = {hi - lo};
    char *out = trace_holes(pieces, holes, 2);
    free(a);
    return out;
}

static void
expect_auth_hole(size_t lo, size_t hi, const char *want_auth)
{
    char *got = trace_auth_hole(85 + lo, 85 + hi);
    char *want = NULL;
    cr_assert(asprintf(&want, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n%s" AFTER_SUMMARY,
                       want_auth) > 0);
    cr_expect_str_eq(got, want, "hole [%zu, %zu) of the <auth>", lo, hi);
    free(got);
    free(want);
}

Test(framer, hole_in_the_base64_of_an_auth_keeps_the_element_without_its_text)
{
    /* 7 bytes of the base64 missing: told at the hole, before what follows it */
    expect_auth_hole(70, 77, "element @85+70 damaged(155+7) <auth{" NS_SASL
                             "} mechanism='PLAIN'/>\n");
}

Test(framer, hole_in_a_start_tag_keeps_the_attributes_on_both_sides)
{
    /* in the namespace: filled in (one login namespace fits both sides and 7 bytes) */
    expect_auth_hole(14, 21, "element @85+108 damaged(99+7) <auth{" NS_SASL
                             "} mechanism='PLAIN'>" AUTH_B64 "</auth>\n");
    /* in the name of an attribute whose value is whole after the hole */
    expect_auth_hole(49, 56, "element @85+108 damaged(134+7) <auth{" NS_SASL
                             "} mechanism='PLAIN'>" AUTH_B64 "</auth>\n");
    /* in its value: the attribute is lost, the text after the tag is whole */
    expect_auth_hole(56, 63, "element @85+108 damaged(141+7) <auth{" NS_SASL "}>" AUTH_B64
                             "</auth>\n");
    /* across the end of the namespace and the next name: more than one namespace fits */
    expect_auth_hole(42, 49, "element @85+108 damaged(127+7) <auth{jabber:client}>" AUTH_B64
                             "</auth>\n");
    /* the '>' in the hole: the content cannot be told from the tag; read on at the next '<' */
    expect_auth_hole(63, 70, "element @85+101 damaged(148+7) <auth{" NS_SASL "}/>\n");
}

Test(framer, hole_in_the_name_of_an_element_loses_it)
{
    expect_auth_hole(0, 7, "");
}

Test(framer, hole_in_a_server_success_keeps_its_namespace)
{
    static const char success[] = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
    for (size_t lo = 14; lo + 7 <= sizeof(success) - 4; lo += 7) {
        char *a = NULL;
        cr_assert(asprintf(&a, HDR "%.*s", (int)lo, success) > 0);
        const char *pieces[] = {a, success + lo + 7, "<a/>"};
        size_t holes[] = {7, 0};
        char *got = trace_holes(pieces, holes, 3);
        char *want = NULL;
        cr_assert(asprintf(&want,
                           HDR_SUMMARY "element damaged(%zu+7) <success{" NS_SASL "}/>\n"
                                       "element <a{jabber:client}/>\n",
                           85 + lo) > 0);
        /* offsets left out: compare the frames only */
        struct buf plain = {0};
        for (const char *p = got; *p; p++) {
            if (*p == ' ' && p[1] == '@') {
                p = strchr(p + 2, ' ') - 1;
                continue;
            }
            buf_append_char(&plain, *p);
        }
        cr_expect_str_eq(buf_str(&plain), want, "hole at %zu of <success/>", lo);
        buf_clear(&plain);
        free(a);
        free(got);
        free(want);
    }
}

Test(framer, hole_in_a_child_keeps_the_children_seen_whole)
{
    const char *pieces[] = {HDR "<iq type='set' id='b1'><x/><bind xmlns='" NS_BIND
                                "'><resource>plain-no-t",
                            "ls</resource></bind></iq><presence/>"};
    size_t holes[] = {3};
    char *got = trace_holes(pieces, holes, 2);
    /* the cut text is gone, the elements it was in are there (empty) */
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "element @85+94 damaged(179+3) <iq{jabber:client} type='set' id='b1'>"
                          "<x{jabber:client}/><bind{" NS_BIND "}><resource{" NS_BIND
                          "}/></bind></iq>\n"
                          "element @207+11 <presence{jabber:client}/>\n");
    free(got);
}

Test(framer, hole_across_two_elements_ends_the_first_at_an_end_tag_it_never_opened)
{
    /* the presence lost its end, the iq its start: the mended tag takes the iq's attributes */
    const char *pieces[] = {HDR "<presence id='p1' xml:lang='e",
                            "d='r1' type='get'><query xmlns='jabber:iq:roster'/></iq>"
                            "</stream:stream>"};
    size_t holes[] = {10};
    char *got = trace_holes(pieces, holes, 2);
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "element @85+90 damaged(114+10) <presence{jabber:client} id='p1' "
                          "type='get'><query{jabber:iq:roster}/></presence>\n"
                          "stream-close @180+16\n");
    free(got);
}

Test(framer, second_hole_before_the_end_of_a_cut_start_tag)
{
    const char *pieces[] = {HDR "<message to='a", "' id='2", " type='chat'><body>x</body></message>"};
    size_t holes[] = {4, 4};
    char *got = trace_holes(pieces, holes, 3);
    /* the tag as seen when the second hole came; read on at the next start tag, as after any gap */
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "element @85+25 damaged(99+4) <message{jabber:client}/>\n"
                          "element @127+14 <body{jabber:client}>x</body>\n"
                          "error @141+10: unexpected end tag </message>\n");
    free(got);
}

Test(framer, input_ends_inside_a_damaged_element)
{
    const char *pieces[] = {HDR "<message to='a' t", "'chat'><body>x</bo"};
    size_t holes[] = {5};
    char *got = trace_holes(pieces, holes, 2);
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "element @85+40 damaged(102+5) <message{jabber:client} to='a'>"
                          "<body{jabber:client}/></message>\n");
    free(got);
}

Test(framer, hole_deeper_than_the_kept_depths_cuts_above_them)
{
    struct buf deep = {0};
    buf_append_str(&deep, HDR);
    for (int i = 0; i < 20; i++)
        buf_printf(&deep, "<e%d>", i);
    const char *pieces[] = {buf_str(&deep), "</e19><a/>"};
    size_t holes[] = {1};
    char *got = trace_holes(pieces, holes, 2);
    cr_expect(strstr(got, "damaged(") != NULL, "%s", got);
    cr_expect(strstr(got, "<e13{jabber:client}/></e12>") != NULL, "cut above depth 15: %s", got);
    cr_expect(strstr(got, "element @") != NULL);
    free(got);
    buf_clear(&deep);
}

Test(framer, offsets_after_a_hole_count_the_missing_bytes)
{
    const char *pieces[] = {HDR "<a/>", "<b/>"};
    size_t holes[] = {100};
    char *got = trace_holes(pieces, holes, 2);
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "element @85+4 <a{jabber:client}/>\n"
                          "element @189+4 <b{jabber:client}/>\n");
    free(got);
}

/* ---- API details ---- */

Test(framer, frame_pointers_live_until_the_next_call)
{
    struct framer *f = framer_new("test", NULL);
    framer_feed(f, client_stream, strlen(client_stream));
    struct frame fr;
    cr_assert(framer_next(f, &fr));
    cr_assert(framer_next(f, &fr));
    cr_assert_eq(fr.kind, FRAME_ELEMENT);
    struct stanza *keep = stanza_dup(fr.el);
    cr_expect_str_eq(fr.el->name, "starttls", "still valid before the next call");
    while (framer_next(f, &fr))
        ;
    framer_free(f);
    cr_expect_str_eq(keep->name, "starttls");
    cr_expect_str_eq(keep->ns, NS_TLS);
    stanza_free(keep);
}

Test(framer, next_returns_false_when_empty)
{
    struct framer *f = framer_new(NULL, NULL);
    struct frame fr;
    cr_expect_not(framer_next(f, &fr));
    const char *open = "<stream:stream xmlns:stream='" NS_STREAMS "'";
    framer_feed(f, open, strlen(open));
    cr_expect_not(framer_next(f, &fr), "header not complete yet");
    framer_feed(f, NULL, 0);
    cr_expect_not(framer_next(f, &fr));
    framer_feed(f, ">", 1);
    cr_expect(framer_next(f, &fr));
    cr_expect_not(framer_next(f, &fr));
    framer_free(f);
    framer_free(NULL);
}

Test(framer, kind_names)
{
    static const struct {
        enum frame_kind kind;
        const char *name;
    } rows[] = {
        {FRAME_STREAM_OPEN, "stream-open"},
        {FRAME_STREAM_CLOSE, "stream-close"},
        {FRAME_ELEMENT, "element"},
        {FRAME_WHITESPACE, "whitespace"},
        {FRAME_ERROR, "error"},
        {FRAME_OVERSIZE, "oversize"},
    };
    for (size_t i = 0; i < NELEMS(rows); i++)
        cr_expect_str_eq(frame_kind_name(rows[i].kind), rows[i].name, "row %zu", i);
    cr_expect_str_eq(frame_kind_name((enum frame_kind)99), "unknown");
}

Test(framer, many_restarts_keep_memory_flat)
{
    /* 20000 distinct element names and 2000 restarts through one framer */
    struct framer *f = framer_new("test", NULL);
    struct buf in = {0};
    size_t elements = 0, opens = 0;
    for (int i = 0; i < 20000; i++) {
        buf_reset(&in);
        if (i % 10 == 0)
            buf_append_str(&in, HDR);
        buf_printf(&in, "<e%d a='%d'/>", i, i);
        framer_feed(f, in.data, in.len);
        struct frame fr;
        while (framer_next(f, &fr)) {
            elements += fr.kind == FRAME_ELEMENT;
            opens += fr.kind == FRAME_STREAM_OPEN;
        }
    }
    cr_expect_eq(elements, 20000);
    cr_expect_eq(opens, 2000);
    buf_clear(&in);
    framer_free(f);
}

/* ---- deferred parsing ---- */
/*
 * framer_defer_parsing(): the framer only cuts; a frame_parser fed its frames
 * in order must give exactly the frames a framer that parses gives for the
 * same bytes, fed the same way: kinds, offsets, sizes, flags, messages and
 * trees (compared field by field, recursively).
 */

/* How the frames come out: parsed; deferred; headers parsed, elements deferred. */
enum fmode {
    MODE_DIRECT,
    MODE_DEFERRED,       /* framer_defer_parsing() + frame_parser */
    MODE_DEFER_ELEMENTS, /* framer_defer_elements() + frame_parser */
};

static const char *const fmode_names[] = {"direct", "deferred", "defer-elements"};
static const enum fmode deferred_modes[] = {MODE_DEFERRED, MODE_DEFER_ELEMENTS};

/* A frame copied out of the framer or parser (their pointers die with the next call). */
struct cframe {
    enum frame_kind kind;
    bool xml_decl, outside, damaged;
    size_t offset, size, gap_offset, gap_bytes;
    char *message;
    struct stanza *el;
};

struct ftrace {
    struct cframe *v;
    size_t n, cap;
    struct buf text; /* the frames as text, for failure messages */
};

static void
ftrace_add(struct ftrace *t, const struct frame *fr)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 32;
        t->v = realloc(t->v, t->cap * sizeof(*t->v));
        cr_assert_not_null(t->v);
    }
    struct cframe *c = &t->v[t->n++];
    c->kind = fr->kind;
    c->xml_decl = fr->xml_decl;
    c->outside = fr->outside;
    c->offset = fr->offset;
    c->size = fr->size;
    c->damaged = fr->damaged;
    c->gap_offset = fr->gap_offset;
    c->gap_bytes = fr->gap_bytes;
    c->message = fr->message ? strdup(fr->message) : NULL;
    c->el = fr->el ? stanza_dup(fr->el) : NULL;
    put_frame(&t->text, fr, true);
    if (fr->el && fr->el->default_ns)
        buf_printf(&t->text, "  (default namespace %s)\n", fr->el->default_ns);
}

static void
ftrace_clear(struct ftrace *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].message);
        stanza_free(t->v[i].el);
    }
    free(t->v);
    buf_clear(&t->text);
    memset(t, 0, sizeof(*t));
}

static bool
same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static const char *
or_null(const char *s)
{
    return s ? s : "(null)";
}

/* Compares two trees; on the first difference says where in |why|. */
static bool
same_tree(const struct stanza *a, const struct stanza *b, struct buf *why)
{
    if (!a || !b) {
        if (a != b)
            buf_printf(why, "the %s tree is NULL, the other not", a ? "second" : "first");
        return a == b;
    }
    if (!same_str(a->name, b->name) || !same_str(a->prefix, b->prefix) || !same_str(a->ns, b->ns) ||
        !same_str(a->default_ns, b->default_ns)) {
        buf_printf(why, "<%s:%s{%s} default %s> vs <%s:%s{%s} default %s>", or_null(a->prefix),
                   or_null(a->name), or_null(a->ns), or_null(a->default_ns), or_null(b->prefix),
                   or_null(b->name), or_null(b->ns), or_null(b->default_ns));
        return false;
    }
    if (a->nattrs != b->nattrs) {
        buf_printf(why, "<%s>: %zu vs %zu attributes", a->name, a->nattrs, b->nattrs);
        return false;
    }
    for (size_t i = 0; i < a->nattrs; i++) {
        const struct stanza_attr *x = &a->attrs[i], *y = &b->attrs[i];
        if (!same_str(x->name, y->name) || !same_str(x->prefix, y->prefix) ||
            !same_str(x->ns, y->ns) || !same_str(x->value, y->value)) {
            buf_printf(why, "<%s> attribute %zu: %s:%s{%s}='%s' vs %s:%s{%s}='%s'", a->name, i,
                       or_null(x->prefix), or_null(x->name), or_null(x->ns), or_null(x->value),
                       or_null(y->prefix), or_null(y->name), or_null(y->ns), or_null(y->value));
            return false;
        }
    }
    if (a->text_len != b->text_len || (a->text_len && memcmp(a->text, b->text, a->text_len) != 0)) {
        buf_printf(why, "<%s>: text differs (%zu vs %zu bytes)", a->name, a->text_len, b->text_len);
        return false;
    }
    if (a->nchildren != b->nchildren) {
        buf_printf(why, "<%s>: %zu vs %zu children", a->name, a->nchildren, b->nchildren);
        return false;
    }
    for (size_t i = 0; i < a->nchildren; i++) {
        if (!same_tree(a->children[i], b->children[i], why)) {
            buf_printf(why, " (in child %zu of <%s>)", i, a->name);
            return false;
        }
    }
    return true;
}

/* Frame |i| of two traces: equal, or the difference in |why|. */
static bool
same_cframe(const struct cframe *a, const struct cframe *b, struct buf *why)
{
    if (a->kind != b->kind || a->xml_decl != b->xml_decl || a->outside != b->outside ||
        a->offset != b->offset || a->size != b->size) {
        buf_printf(why, "%s%s%s @%zu+%zu vs %s%s%s @%zu+%zu", frame_kind_name(a->kind),
                   a->xml_decl ? "+decl" : "", a->outside ? "+outside" : "", a->offset, a->size,
                   frame_kind_name(b->kind), b->xml_decl ? "+decl" : "",
                   b->outside ? "+outside" : "", b->offset, b->size);
        return false;
    }
    if (!same_str(a->message, b->message)) {
        buf_printf(why, "message '%s' vs '%s'", or_null(a->message), or_null(b->message));
        return false;
    }
    if (a->damaged != b->damaged || a->gap_offset != b->gap_offset || a->gap_bytes != b->gap_bytes) {
        buf_printf(why, "damaged %d (%zu+%zu) vs %d (%zu+%zu)", a->damaged, a->gap_offset,
                   a->gap_bytes, b->damaged, b->gap_offset, b->gap_bytes);
        return false;
    }
    return same_tree(a->el, b->el, why);
}

/* |got| (frames of |mode|) has the frames of |want| (the direct framer's). */
static void
expect_same_trace(const struct ftrace *want, const struct ftrace *got, enum fmode mode,
                  const char *what)
{
    struct buf why = {0};
    size_t n = want->n < got->n ? want->n : got->n;
    size_t i = 0;
    while (i < n && same_cframe(&want->v[i], &got->v[i], &why))
        i++;
    if (i == n && want->n != got->n)
        buf_printf(&why, "%zu frames direct, %zu %s", want->n, got->n, fmode_names[mode]);
    if (why.len)
        cr_assert_fail("%s: %s frames differ from the direct framer's at frame %zu: %s\n"
                       "direct:\n%s%s:\n%s",
                       what, fmode_names[mode], i, buf_str(&why), buf_str(&want->text),
                       fmode_names[mode], buf_str(&got->text));
    buf_clear(&why);
}

/*
 * What is fed: |len| bytes, framer_gap() before the byte at each offset of
 * |gaps| (ascending, at most len), a framer_feed() boundary at each offset of
 * |cuts| (ascending) and at each gap, then framer_finish().
 */
struct script {
    const char *data;
    size_t len;
    const size_t *gaps;
    size_t ngaps;
    const size_t *cuts;
    size_t ncuts;
    const struct framer_limits *lim;
};

/* Checks on each deferred frame, and framer_parse_deferred() on its elements. */
struct run_checks {
    bool parse_deferred; /* compare framer_parse_deferred() with the parser's tree */
};

/* Length of the common prefix of |a| and |b| (|n| bytes each at most). */
static size_t
common_prefix(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* A deferred frame as it comes out of the framer, before the parser. */
static void
check_deferred_frame(struct framer *f, const struct script *s, enum fmode mode,
                     const struct frame *fr, const struct run_checks *rc, const char *what)
{
    bool unit = fr->kind == FRAME_ELEMENT || fr->kind == FRAME_STREAM_OPEN;
    if (!unit) {
        cr_assert_null(fr->el, "%s: %s frame with a tree", what, frame_kind_name(fr->kind));
        cr_assert_null(fr->raw, "%s: %s frame with raw bytes", what, frame_kind_name(fr->kind));
        return;
    }
    cr_assert_not_null(fr->raw, "%s: deferred %s @%zu without its bytes", what,
                       frame_kind_name(fr->kind), fr->offset);
    cr_assert_gt(fr->raw_len, 0);
    if (mode == MODE_DEFER_ELEMENTS && fr->kind == FRAME_STREAM_OPEN) {
        cr_assert_not_null(fr->el, "%s: defer-elements header without its tree", what);
        return; /* raw: the packed bindings */
    }
    cr_assert_null(fr->el, "%s: deferred %s @%zu with a tree", what, frame_kind_name(fr->kind),
                   fr->offset);
    cr_assert_leq(fr->offset + fr->size, s->len);
    const char *in = s->data + fr->offset;
    if (fr->damaged) {
        /* mended (mend.h): what was seen of it, made to parse; never more than it spans */
        cr_assert_eq(fr->kind, FRAME_ELEMENT, "%s: a damaged %s", what, frame_kind_name(fr->kind));
        cr_assert_eq(fr->raw[0], '<', "%s: damaged element @%zu: raw bytes without its '<'", what,
                     fr->offset);
    } else if (fr->kind == FRAME_ELEMENT) {
        cr_assert_eq(fr->raw_len, fr->size, "%s: element @%zu: %zu raw bytes for a frame of %zu",
                     what, fr->offset, fr->raw_len, fr->size);
        cr_assert(memcmp(fr->raw, in, fr->size) == 0,
                  "%s: element @%zu: raw bytes are not the input's", what, fr->offset);
    } else {
        /* a header's bytes: its <?xml?> and its start tag, without what came between */
        cr_assert_leq(fr->raw_len, fr->size);
        size_t pre = common_prefix(fr->raw, in, fr->raw_len);
        size_t suf = 0;
        while (suf < fr->raw_len && fr->raw[fr->raw_len - 1 - suf] == in[fr->size - 1 - suf])
            suf++;
        cr_assert_geq(pre + suf, fr->raw_len,
                      "%s: header @%zu+%zu: raw bytes are not its declaration and start tag", what,
                      fr->offset, fr->size);
        cr_assert_eq(fr->xml_decl, fr->raw_len > 5 && memcmp(fr->raw, "<?xml", 5) == 0,
                     "%s: header @%zu: xml_decl and the raw bytes disagree", what, fr->offset);
    }
    (void)f;
    (void)rc;
}

static void
drain_mode(struct framer *f, struct frame_parser *fp, const struct script *s, enum fmode mode,
           const struct run_checks *rc, struct ftrace *out, const char *what)
{
    struct frame fr;
    while (framer_next(f, &fr)) {
        if (mode == MODE_DIRECT) {
            cr_assert_neq(fr.kind, FRAME_SCOPE_RESET, "%s: a direct framer gave a scope reset",
                          what);
            cr_assert_null(fr.raw, "%s: a direct framer gave raw bytes", what);
            ftrace_add(out, &fr);
            continue;
        }
        check_deferred_frame(f, s, mode, &fr, rc, what);
        struct stanza *mine = NULL;
        bool element = fr.kind == FRAME_ELEMENT;
        if (element && rc && rc->parse_deferred)
            mine = framer_parse_deferred(f, &fr);
        struct frame o;
        if (!frame_parser_parse(fp, &fr, &o)) {
            cr_assert_eq(fr.kind, FRAME_SCOPE_RESET, "%s: frame_parser_parse() false for a %s",
                         what, frame_kind_name(fr.kind));
            continue;
        }
        cr_assert_neq(o.kind, FRAME_SCOPE_RESET);
        cr_assert_null(o.raw, "%s: the parser's frames carry no raw bytes", what);
        if (o.kind == FRAME_ELEMENT || o.kind == FRAME_STREAM_OPEN)
            cr_assert_not_null(o.el, "%s: parsed %s without a tree", what, frame_kind_name(o.kind));
        if (element && rc && rc->parse_deferred) {
            struct buf why = {0};
            cr_assert(same_tree(mine, o.el, &why),
                      "%s: framer_parse_deferred() on the element @%zu (first) differs from the "
                      "parser's tree (second): %s",
                      what, fr.offset, buf_str(&why));
            buf_clear(&why);
        }
        stanza_free(mine);
        ftrace_add(out, &o);
    }
}

static void
run_script(const struct script *s, enum fmode mode, const struct run_checks *rc, struct ftrace *out,
           const char *what)
{
    struct framer *f = framer_new("test", s->lim);
    struct frame_parser *fp = NULL;
    if (mode == MODE_DEFERRED)
        framer_defer_parsing(f);
    else if (mode == MODE_DEFER_ELEMENTS)
        framer_defer_elements(f);
    if (mode != MODE_DIRECT)
        fp = frame_parser_new();
    size_t gi = 0, ci = 0, from = 0;
    for (;;) {
        size_t to = s->len;
        if (gi < s->ngaps && s->gaps[gi] < to)
            to = s->gaps[gi];
        if (ci < s->ncuts && s->cuts[ci] < to)
            to = s->cuts[ci];
        cr_assert_geq(to, from, "%s: gaps and cuts must ascend", what);
        if (to > from) {
            framer_feed(f, s->data + from, to - from);
            drain_mode(f, fp, s, mode, rc, out, what);
            from = to;
        }
        for (; gi < s->ngaps && s->gaps[gi] == to; gi++) {
            framer_gap(f);
            drain_mode(f, fp, s, mode, rc, out, what);
        }
        while (ci < s->ncuts && s->cuts[ci] == to)
            ci++;
        if (to == s->len && gi == s->ngaps)
            break;
    }
    framer_finish(f);
    drain_mode(f, fp, s, mode, rc, out, what);
    frame_parser_free(fp);
    framer_free(f);
}

/* The frames of |s| in each deferred mode are the direct framer's. */
static void
expect_deferred_same(const struct script *s, const struct run_checks *rc, const char *what)
{
    struct ftrace want = {0};
    run_script(s, MODE_DIRECT, NULL, &want, what);
    for (size_t m = 0; m < NELEMS(deferred_modes); m++) {
        struct ftrace got = {0};
        run_script(s, deferred_modes[m], rc, &got, what);
        expect_same_trace(&want, &got, deferred_modes[m], what);
        ftrace_clear(&got);
    }
    ftrace_clear(&want);
}

/*
 * |data| whole; one byte at a time; split in two at every offset when
 * |every_offset|; at |rounds| random sets of offsets. Gaps stay where |s| has
 * them. framer_parse_deferred() is checked on every element all along.
 */
static void
expect_deferred_same_any_feeds(const struct script *s, bool every_offset, int rounds,
                               uint64_t *seed, const char *what)
{
    char label[256];
    struct run_checks rc = {.parse_deferred = true};
    struct script t = *s;
    t.cuts = NULL;
    t.ncuts = 0;
    snprintf(label, sizeof(label), "%s (whole)", what);
    expect_deferred_same(&t, &rc, label);

    size_t *all = malloc((s->len + 1) * sizeof(*all));
    cr_assert_not_null(all);
    for (size_t i = 0; i <= s->len; i++)
        all[i] = i;
    t.cuts = all;
    t.ncuts = s->len + 1;
    snprintf(label, sizeof(label), "%s (byte by byte)", what);
    expect_deferred_same(&t, &rc, label);

    if (every_offset) {
        for (size_t i = 0; i <= s->len; i++) {
            t.cuts = &all[i];
            t.ncuts = 1;
            snprintf(label, sizeof(label), "%s (split at %zu)", what, i);
            expect_deferred_same(&t, &rc, label);
        }
    }
    free(all);

    size_t cuts[16];
    for (int r = 0; r < rounds; r++) {
        size_t n = 1 + rnd(seed) % NELEMS(cuts);
        for (size_t i = 0; i < n; i++)
            cuts[i] = rnd(seed) % (s->len + 1);
        qsort(cuts, n, sizeof(cuts[0]), cmp_size);
        t.cuts = cuts;
        t.ncuts = n;
        snprintf(label, sizeof(label), "%s (random split, round %d)", what, r);
        expect_deferred_same(&t, &rc, label);
    }
}

/* A script from |text|, where each '\1' is a framer_gap() and not a byte. */
struct marked {
    struct buf bytes;
    size_t *gaps;
    size_t ngaps;
};

static void
marked_parse(struct marked *m, const char *text)
{
    memset(m, 0, sizeof(*m));
    size_t len = strlen(text);
    m->gaps = calloc(len + 1, sizeof(*m->gaps));
    cr_assert_not_null(m->gaps);
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\1')
            m->gaps[m->ngaps++] = m->bytes.len;
        else
            buf_append_char(&m->bytes, text[i]);
    }
    buf_str(&m->bytes); /* a NUL after the bytes, also for an empty text */
}

static void
marked_clear(struct marked *m)
{
    buf_clear(&m->bytes);
    free(m->gaps);
}

#define HDR_SERVER "<stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS "'>"
#define HDR_TLS                                                                                    \
    "<stream:stream xmlns='jabber:client' xmlns:stream='" NS_STREAMS "' xmlns:tls='" NS_TLS "'>"
#define LONG_ATTR                                                                                  \
    " pad='"                                                                                       \
    "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"     \
    "pppppppppppppppppppppppppppppppppppppppppppp'"

/* Hand-made streams: '\1' marks a framer_gap(). */
static const struct dcase {
    const char *name;
    const char *text;
    size_t max_element; /* 0: the default */
    unsigned max_depth; /* 0: the default */
} dcases[] = {
    {"plain header and element", HDR "<presence/>", 0, 0},
    {"declaration and header", "<?xml version='1.0'?>" HDR "<a/>", 0, 0},
    {"declaration, whitespace, header", "<?xml version='1.0' encoding='UTF-8'?>\n  " HDR "<a/>", 0,
     0},
    {"declaration, comment, header", "<?xml version='1.0'?><!-- c -->" HDR "<a/>", 0, 0},
    {"two declarations", "<?xml version='1.0'?> <?xml version='1.1'?>" HDR "<a/>", 0, 0},
    {"declaration without header", "<?xml version='1.0'?><a/>" HDR "<b/>", 0, 0},
    {"declaration with another encoding", "<?xml version='1.0' encoding='ISO-8859-1'?>" HDR "<a/>",
     0, 0},
    {"byte order mark", "\xef\xbb\xbf<?xml version='1.0'?>" HDR "<a/>", 0, 0},
    {"self-closing header",
     "<stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS "'/><presence/><a/>", 0, 0},
    {"self-closing header with a declaration and a prefix",
     "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS
     "' xmlns:tls='" NS_TLS "'/><tls:proceed/><stream:features/></stream:stream><b/>",
     0, 0},
    {"self-closing header after a good one",
     HDR_SERVER "<a/><stream:stream xmlns='jabber:client' xmlns:stream='" NS_STREAMS "'/><b/>", 0,
     0},
    {"header that does not parse (unbound prefix)",
     HDR_SERVER "<a/><stream:stream xmlns='jabber:server'><b/><stream:features/>", 0, 0},
    {"header that does not parse (duplicate attribute)",
     HDR_SERVER "<a/><stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS
                "' id='1' id='2'><b/>",
     0, 0},
    {"header that does not parse (bad character)",
     "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS
     "' to='a\x01'><b/>",
     0, 0},
    {"self-closing header that does not parse",
     HDR_SERVER "<a/><stream:stream xmlns='jabber:server'/><b/></stream:stream><c/>", 0, 0},
    {"self-closing header that does not parse, first", "<stream:stream xmlns='urn:x'/><b/>", 0, 0},
    {"oversize header",
     HDR_SERVER "<a/><stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS "'" LONG_ATTR
                "><b/><stream:features/>",
     100, 0},
    {"oversize header with a declaration",
     "<?xml version='1.0'?>" HDR_TLS
     "<tls:proceed/><?xml version='1.0'?><stream:stream xmlns='jabber:server' "
     "xmlns:stream='" NS_STREAMS "'" LONG_ATTR "><tls:proceed/><b/>" HDR "<c/>",
     160, 0},
    {"oversize header, then a self-closing one",
     "<stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS "'" LONG_ATTR ">"
     "<b/><stream:stream xmlns:stream='" NS_STREAMS "' xmlns='urn:q'/><c/>",
     100, 0},
    {"oversize declaration", "<?xml version='1.0'" LONG_ATTR "?>" HDR "<a/>", 100, 0},
    {"oversize element", HDR "<a>" LONG_ATTR "</a><b/>", 100, 0},
    {"too deep", HDR "<a><b><c><d/></c></b></a><e><f/></e>", 0, 2},
    {"elements before any header",
     "<presence id='p1'/><message to='a'><body>x</body></message>" HDR_SERVER "<b/>", 0, 0},
    {"stream error and close before any header",
     "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
     "</stream:stream><a/>",
     0, 0},
    {"close outside any stream", "</stream:stream><a/></stream:stream>", 0, 0},
    {"elements after the close",
     HDR_SERVER "<a/></stream:stream><b/><c xmlns='urn:c'/></stream:stream><d/>", 0, 0},
    {"restarts with other namespaces",
     HDR "<a/>" HDR_SERVER "<b/><s:stream xmlns='jabber:component:accept' xmlns:s='" NS_STREAMS
         "'><s:features/><stream:features/><c/></s:stream><d/>",
     0, 0},
    {"header without a default namespace",
     "<stream:stream xmlns:stream='" NS_STREAMS "'><a/><b xmlns='urn:b'><c/></b>", 0, 0},
    {"header with prefixed attributes",
     "<stream:stream xmlns='jabber:server' xmlns:stream='" NS_STREAMS
     "' xmlns:db='jabber:server:dialback' xml:lang='en' db:x='1' version='1.0'>"
     "<db:result from='a' to='b'>key</db:result><db:verify/>",
     0, 0},
    {"prefixed proceed declared on the header", HDR_TLS "<tls:proceed/><tls:failure/>", 0, 0},
    {"prefixed proceed declared on itself",
     HDR "<tls:proceed xmlns:tls='" NS_TLS "'/><tls:proceed/><proceed xmlns='" NS_TLS "'/>", 0, 0},
    {"prefixed proceed after a restart without the prefix",
     HDR_TLS "<tls:starttls/>" HDR "<tls:proceed/>", 0, 0},
    {"gap inside an element",
     HDR "<presence/> <message><body>hel\1lo</body></message><presence type='away'/>", 0, 0},
    {"gap before any header",
     "\1ody></message></stream:features><message to='a'><body>x</body></message>", 0, 0},
    {"gap after a server header", HDR_SERVER "<a/>\1</b><c/>", 0, 0},
    {"gap inside a header, then a restart",
     "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:st\1ream='x'>junk" HDR_SERVER
     "<a/>",
     0, 0},
    {"gap after a declaration", "<?xml version='1.0'?>\1<a/>" HDR "<b/>", 0, 0},
    {"gap inside a self-closing header",
     HDR_SERVER "<stream:stream xmlns='urn:x'\1 xmlns:stream='" NS_STREAMS "'/><a/><b/>", 0, 0},
    {"two gaps in a row", HDR "<a>\1\1<b/></a><c/>", 0, 0},
    {"gap inside a start tag", HDR "<auth xmlns='" NS_SASL "' mech\1 m='PLAIN'>AGE=</auth><a/>", 0, 0},
    {"gap inside an empty start tag", HDR "<success xmlns='" NS_SASL "' \1 x='1'/><a/>", 0, 0},
    {"gap that took a start tag's '>'", HDR "<a x='1' y='\1<b/></a><c/>", 0, 0},
    {"gap inside a start tag, then an end tag it never opened",
     HDR "<a x='\1y' z='2'><b/></c><d/>", 0, 0},
    {"two gaps inside a start tag", HDR "<a x='1\1' y='2\1'><b/></a><c/>", 0, 0},
    {"gap inside a start tag, then the end", HDR "<a x='1\1' y='2'", 0, 0},
    {"gap inside an oversize element", HDR "<a>" LONG_ATTR "\1<b/><c/>", 100, 0},
    {"input ends inside an element", HDR "<message><body>x", 0, 0},
    {"input ends inside a start tag", HDR "<message to='a", 0, 0},
    {"input ends inside a header", "<?xml version='1.0'?><stream:stream xmlns='jabber:client'", 0,
     0},
    {"input ends inside a declaration", "<?xml version=", 0, 0},
    {"input ends inside a stray element", "<presence><status>", 0, 0},
    {"malformed elements",
     HDR "<a><b></a><c x='1' x='2'/><d>&undefined;</d><e xmlns:p=''/><p:f/><g>\xff</g><h a=b/>"
         "<i>&#0;</i><j/>",
     0, 0},
    {"malformed stray element", "<a><b></a><c/>" HDR "<d/>", 0, 0},
    {"comments and PIs",
     HDR "<!-- c --><?pi x?><a><!-- in --><?pi?></a><![CDATA[x]]><b><![CDATA[<x>]]></b>", 0, 0},
    {"DTD and entities", "<!DOCTYPE x [<!ENTITY a 'b'>]>" HDR "<a>&a;&amp;&#x41;</a>", 0, 0},
    {"text outside elements", HDR "junk<a/>&amp;<b/> < c", 0, 0},
    {"close inside an element", HDR "<a><b></stream:stream><c/>", 0, 0},
    {"stray end tags", HDR "</x><a/></a>", 0, 0},
    {"empty", "", 0, 0},
    {"only a gap", "\1", 0, 0},
};

static void
dcase_script(const struct dcase *c, struct marked *m, struct script *s, struct framer_limits *lim)
{
    marked_parse(m, c->text);
    lim->max_element = c->max_element;
    lim->max_depth = c->max_depth;
    s->data = m->bytes.data ? m->bytes.data : "";
    s->len = m->bytes.len;
    s->gaps = m->gaps;
    s->ngaps = m->ngaps;
    s->cuts = NULL;
    s->ncuts = 0;
    s->lim = lim;
}

Test(framer, deferred_parsing_gives_the_direct_frames_for_hand_made_streams)
{
    uint64_t seed = 0x1234567;
    for (size_t k = 0; k < NELEMS(dcases); k++) {
        struct marked m;
        struct script s;
        struct framer_limits lim = {0};
        dcase_script(&dcases[k], &m, &s, &lim);
        expect_deferred_same_any_feeds(&s, true, 50, &seed, dcases[k].name);
        marked_clear(&m);
    }
}

/* Each hand-made stream after a header of each kind: the bindings they leave differ. */
Test(framer, deferred_parsing_gives_the_direct_frames_after_each_kind_of_header)
{
    static const char *const before[] = {
        HDR_SERVER "<a/>",
        HDR_TLS "<tls:starttls/>",
        "<stream:stream xmlns='urn:q' xmlns:stream='" NS_STREAMS "'/>",
        "<stream:stream xmlns='urn:q'>",
        "<stream:stream xmlns='urn:q' xmlns:stream='" NS_STREAMS "'" LONG_ATTR ">",
        "<x/>",
        "\1",
    };
    uint64_t seed = 99;
    for (size_t b = 0; b < NELEMS(before); b++) {
        for (size_t k = 0; k < NELEMS(dcases); k++) {
            struct buf text = {0};
            buf_append_str(&text, before[b]);
            buf_append_str(&text, dcases[k].text);
            struct dcase c = dcases[k];
            c.text = buf_str(&text);
            if (!c.max_element)
                c.max_element = 150; /* the long header is oversize */
            char what[256];
            snprintf(what, sizeof(what), "%s, after prefix %zu", dcases[k].name, b);
            struct marked m;
            struct script s;
            struct framer_limits lim = {0};
            dcase_script(&c, &m, &s, &lim);
            expect_deferred_same_any_feeds(&s, false, 10, &seed, what);
            marked_clear(&m);
            buf_clear(&text);
        }
    }
}

Test(framer, deferred_parsing_gives_the_direct_frames_for_the_login_streams)
{
    uint64_t seed = 777;
    for (size_t k = 0; k < NELEMS(streams); k++) {
        struct script s = {.data = streams[k], .len = strlen(streams[k])};
        char what[64];
        snprintf(what, sizeof(what), "stream %zu", k);
        expect_deferred_same_any_feeds(&s, true, 100, &seed, what);
        /* with a small size cap: oversize elements and headers in the middle */
        struct framer_limits lim = {.max_element = 120, .max_depth = 3};
        s.lim = &lim;
        snprintf(what, sizeof(what), "stream %zu, small caps", k);
        expect_deferred_same_any_feeds(&s, false, 50, &seed, what);
    }
}

Test(framer, deferred_parsing_gives_the_direct_frames_for_damaged_streams)
{
    static const char junk[] = "<>/'\"&;!?-[]=: x\n\xff\xc3\1";
    uint64_t seed = 4242;
    for (size_t k = 0; k < NELEMS(streams); k++) {
        size_t len = strlen(streams[k]);
        char *copy = malloc(len + 1);
        cr_assert_not_null(copy);
        for (int round = 0; round < 150; round++) {
            memcpy(copy, streams[k], len + 1);
            int changes = 1 + (int)(rnd(&seed) % 6);
            for (int c = 0; c < changes; c++)
                copy[rnd(&seed) % len] = junk[rnd(&seed) % (sizeof(junk) - 1)];
            size_t gap = rnd(&seed) % (len + 1);
            struct framer_limits lim = {.max_element = round % 3 == 0 ? 100 : 0};
            struct script s = {.data = copy, .len = len, .lim = &lim};
            if (round % 2)
                s.gaps = &gap, s.ngaps = 1;
            char what[64];
            snprintf(what, sizeof(what), "stream %zu damaged, round %d", k, round);
            expect_deferred_same_any_feeds(&s, false, 3, &seed, what);
        }
        free(copy);
    }
}

/* ---- deferred parsing on the real streams of testdata/ ---- */

/* One direction of one c2s process of a log: its bytes as the log gave them. */
struct log_stream {
    char key[96]; /* pid and direction */
    struct buf bytes;
    size_t *cuts, ncuts, capcuts; /* where each logged payload ends */
    size_t *gaps, ngaps, capgaps; /* payloads the logger cut short */
};

static void
push_offset(size_t **v, size_t *n, size_t *cap, size_t x)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        *v = realloc(*v, *cap * sizeof(**v));
        cr_assert_not_null(*v);
    }
    (*v)[(*n)++] = x;
}

struct log_streams {
    struct log_stream *v;
    size_t n, cap;
};

static struct log_stream *
log_stream_of(struct log_streams *ls, const char *pid, char dir)
{
    char key[96];
    snprintf(key, sizeof(key), "%s %c", pid, dir);
    for (size_t i = 0; i < ls->n; i++)
        if (strcmp(ls->v[i].key, key) == 0)
            return &ls->v[i];
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? 2 * ls->cap : 16;
        ls->v = realloc(ls->v, ls->cap * sizeof(*ls->v));
        cr_assert_not_null(ls->v);
    }
    struct log_stream *s = &ls->v[ls->n++];
    memset(s, 0, sizeof(*s));
    snprintf(s->key, sizeof(s->key), "%s", key);
    return s;
}

/* Compares the deferred and direct frames of every stream of |ls|, then forgets them. */
static size_t
check_log_streams(struct log_streams *ls, const char *path, uint64_t *seed)
{
    size_t checked = 0;
    for (size_t i = 0; i < ls->n; i++) {
        struct log_stream *st = &ls->v[i];
        char what[512];
        snprintf(what, sizeof(what), "%s, %s", path, st->key);
        struct script s = {.data = st->bytes.data ? st->bytes.data : "",
                           .len = st->bytes.len,
                           .gaps = st->gaps,
                           .ngaps = st->ngaps,
                           .cuts = st->cuts,
                           .ncuts = st->ncuts};
        /* as the log gave the payloads: one feed each */
        struct run_checks rc = {.parse_deferred = true};
        expect_deferred_same(&s, &rc, what);
        /* whole, byte by byte, random splits (gaps where they were) */
        expect_deferred_same_any_feeds(&s, false, 3, seed, what);
        checked++;
        buf_clear(&st->bytes);
        free(st->cuts);
        free(st->gaps);
    }
    free(ls->v);
    memset(ls, 0, sizeof(*ls));
    return checked;
}

static size_t
check_log_file(const char *path, uint64_t *seed)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    struct ejlog *r = ejlog_new();
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ejlog_feed(r, chunk, n);
    fclose(f);
    ejlog_finish(r);
    struct log_streams ls = {0};
    size_t checked = 0;
    struct ejlog_event ev;
    while (ejlog_next(r, &ev)) {
        if (ev.kind == EJ_RUN_START) /* pids start again: new connections */
            checked += check_log_streams(&ls, path, seed);
        if (ev.kind != EJ_XML || !ev.pid)
            continue;
        struct log_stream *st = log_stream_of(&ls, ev.pid, ev.dir);
        if (ev.truncated) {
            push_offset(&st->gaps, &st->ngaps, &st->capgaps, st->bytes.len);
        } else {
            buf_append(&st->bytes, ev.data, ev.len);
            push_offset(&st->cuts, &st->ncuts, &st->capcuts, st->bytes.len);
        }
    }
    ejlog_free(r);
    checked += check_log_streams(&ls, path, seed);
    return checked;
}

Test(framer, deferred_parsing_gives_the_direct_frames_for_every_logged_stream)
{
    const char *top = getenv("TESTDATA");
    cr_assert_not_null(top, "TESTDATA is set by the test harness");
    char pattern[4096];
    snprintf(pattern, sizeof(pattern), "%s/*/*.log", top);
    glob_t g;
    cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "no log under %s", top);
    uint64_t seed = 31337;
    size_t streams_checked = 0;
    for (size_t i = 0; i < g.gl_pathc; i++)
        streams_checked += check_log_file(g.gl_pathv[i], &seed);
    cr_expect_gt(g.gl_pathc, 20, "the scenario logs, the violation logs and the bad ones");
    cr_expect_gt(streams_checked, 200);
    globfree(&g);
}

/* ---- framer_parse_deferred(): the reader side's own look at an element ---- */

/*
 * Feeds |pieces| (NULL-terminated) to a deferred framer of |mode|, draining
 * after each, and returns framer_parse_deferred() of the |nth| element frame
 * (0-based), called right when that frame comes out. *found says whether it
 * came.
 */
static struct stanza *
parse_deferred_mode(enum fmode mode, const char *const *pieces, size_t nth, bool *found,
                    const struct framer_limits *lim)
{
    struct framer *f = framer_new("test", lim);
    if (mode == MODE_DEFERRED)
        framer_defer_parsing(f);
    else
        framer_defer_elements(f);
    struct stanza *got = NULL;
    size_t elements = 0;
    *found = false;
    for (size_t i = 0; pieces[i]; i++) {
        framer_feed(f, pieces[i], strlen(pieces[i]));
        struct frame fr;
        while (framer_next(f, &fr)) {
            if (fr.kind != FRAME_ELEMENT)
                continue;
            if (elements++ == nth) {
                *found = true;
                got = framer_parse_deferred(f, &fr);
            }
        }
    }
    framer_free(f);
    return got;
}

/* The same in both deferred modes, which must agree; returns framer_defer_parsing()'s. */
static struct stanza *
parse_deferred_nth(const char *const *pieces, size_t nth, bool *found,
                   const struct framer_limits *lim)
{
    bool found2;
    struct stanza *el = parse_deferred_mode(MODE_DEFERRED, pieces, nth, found, lim);
    struct stanza *el2 = parse_deferred_mode(MODE_DEFER_ELEMENTS, pieces, nth, &found2, lim);
    struct buf why = {0};
    cr_expect_eq(*found, found2);
    cr_expect(same_tree(el, el2, &why),
              "framer_defer_parsing() and framer_defer_elements() "
              "disagree: %s",
              buf_str(&why));
    buf_clear(&why);
    stanza_free(el2);
    return el;
}

static void
expect_proceed(const struct stanza *el, const char *prefix, const char *what)
{
    cr_assert_not_null(el, "%s: framer_parse_deferred() gave NULL", what);
    cr_expect_str_eq(el->name, "proceed", "%s", what);
    cr_expect(same_str(el->prefix, prefix), "%s: prefix %s, want %s", what, or_null(el->prefix),
              or_null(prefix));
    cr_expect_str_eq(el->ns, NS_TLS, "%s", what);
    cr_expect(stanza_is(el, "proceed", NS_TLS), "%s", what);
}

Test(framer, parse_deferred_reads_a_prefixed_proceed_with_the_header_bindings)
{
    const char *const apart[] = {HDR_TLS, "<stream:features><tls:starttls/></stream:features>",
                                 "<tls:proceed/>", NULL};
    const char *const together[] = {HDR_TLS "<stream:features><tls:starttls/></stream:features>"
                                            "<tls:proceed/>",
                                    NULL};
    const char *const with_decl[] = {"<?xml version='1.0'?>", HDR_TLS, "<tls:proceed/>", NULL};
    const char *const *cases[] = {apart, together, with_decl};
    for (size_t k = 0; k < NELEMS(cases); k++) {
        bool found;
        size_t nth = cases[k] == with_decl ? 0 : 1;
        struct stanza *el = parse_deferred_nth(cases[k], nth, &found, NULL);
        cr_assert(found, "case %zu: the proceed frame came", k);
        char what[32];
        snprintf(what, sizeof(what), "case %zu", k);
        expect_proceed(el, "tls", what);
        stanza_free(el);
    }
    /* the features too: a prefixed child in the header's namespace */
    bool found;
    struct stanza *el = parse_deferred_nth(apart, 0, &found, NULL);
    cr_assert(found);
    cr_assert_not_null(el);
    cr_expect(stanza_is(el, "features", NS_STREAMS));
    cr_expect_not_null(stanza_child(el, "starttls", NS_TLS));
    stanza_free(el);
}

Test(framer, parse_deferred_follows_restarts_and_headers_that_leave_no_bindings)
{
    bool found;
    struct stanza *el;
    /* a restart whose header does not declare tls: the prefix is unbound */
    const char *const restart[] = {HDR_TLS, "<tls:starttls/>", HDR, "<tls:proceed/>", NULL};
    el = parse_deferred_nth(restart, 1, &found, NULL);
    cr_assert(found);
    cr_expect_null(el, "tls is not declared on the new header");
    stanza_free(el);
    /* ... and back to a header that declares it */
    const char *const again[] = {HDR_TLS, HDR, HDR_TLS, "<tls:proceed/>", NULL};
    el = parse_deferred_nth(again, 0, &found, NULL);
    cr_assert(found);
    expect_proceed(el, "tls", "declared again");
    stanza_free(el);
    /* its own declaration, or a default namespace: fine after any header */
    const char *const own[] = {HDR, "<proceed xmlns='" NS_TLS "'/>",
                               "<t:proceed xmlns:t='" NS_TLS "'/>", NULL};
    el = parse_deferred_nth(own, 0, &found, NULL);
    expect_proceed(el, NULL, "default namespace");
    stanza_free(el);
    el = parse_deferred_nth(own, 1, &found, NULL);
    expect_proceed(el, "t", "own prefix");
    stanza_free(el);
    /* an empty-element header leaves no bindings: read as if no header had come */
    const char *const empty[] = {"<stream:stream xmlns='jabber:client' xmlns:stream='" NS_STREAMS
                                 "' xmlns:tls='" NS_TLS "'/>",
                                 "<tls:proceed/>", "<proceed xmlns='" NS_TLS "'/>", NULL};
    el = parse_deferred_nth(empty, 0, &found, NULL);
    cr_assert(found);
    cr_expect_null(el, "after <stream:stream .../> the header's tls prefix is not bound");
    stanza_free(el);
    el = parse_deferred_nth(empty, 1, &found, NULL);
    expect_proceed(el, NULL, "after an empty-element header");
    stanza_free(el);
    /* a header that does not parse, then an oversize one: no bindings either */
    const char *const bad[] = {HDR_TLS, "<stream:stream xmlns:tls='" NS_TLS "' a='1' a='1'>",
                               "<tls:proceed/>", NULL};
    el = parse_deferred_nth(bad, 0, &found, NULL);
    cr_assert(found);
    cr_expect_null(el, "after a header that does not parse");
    stanza_free(el);
    struct framer_limits lim = {.max_element = 160}; /* HDR_TLS fits, a LONG_ATTR header not */
    const char *const big[] = {HDR_TLS, "<stream:stream xmlns:tls='" NS_TLS "'" LONG_ATTR ">",
                               "<tls:proceed/>", "<x/>", NULL};
    el = parse_deferred_nth(big, 0, &found, &lim);
    cr_assert(found);
    cr_expect_null(el, "after an oversize header");
    stanza_free(el);
    el = parse_deferred_nth(big, 1, &found, &lim);
    cr_assert_not_null(el);
    cr_expect_str_eq(el->ns, "jabber:client", "after an oversize header: the c2s guess");
    stanza_free(el);
    /* no header at all, or only a gap: the c2s guess */
    const char *const none[] = {"<iq type='get'/>", NULL};
    el = parse_deferred_nth(none, 0, &found, NULL);
    cr_assert_not_null(el);
    cr_expect_str_eq(el->ns, "jabber:client");
    stanza_free(el);
}

Test(framer, parse_deferred_refuses_what_is_not_a_deferred_element)
{
    /* a framer that parses: its frames carry no bytes */
    struct framer *f = framer_new("test", NULL);
    framer_feed(f, HDR_TLS "<tls:proceed/>", strlen(HDR_TLS "<tls:proceed/>"));
    struct frame fr;
    size_t n = 0;
    while (framer_next(f, &fr)) {
        cr_expect_null(framer_parse_deferred(f, &fr), "direct %s", frame_kind_name(fr.kind));
        n++;
    }
    cr_expect_eq(n, 2);
    framer_free(f);
    /* a deferred framer: headers, errors and closes are not elements */
    f = framer_new("test", NULL);
    framer_defer_parsing(f);
    const char *s = HDR_TLS "junk<tls:proceed/><a><b></a>  </stream:stream>";
    framer_feed(f, s, strlen(s));
    size_t elements = 0;
    while (framer_next(f, &fr)) {
        struct stanza *el = framer_parse_deferred(f, &fr);
        if (fr.kind == FRAME_ELEMENT) {
            elements++;
            if (elements == 1)
                expect_proceed(el, "tls", "the proceed");
            else
                cr_expect_null(el, "<a><b></a> does not parse");
        } else {
            cr_expect_null(el, "deferred %s", frame_kind_name(fr.kind));
        }
        stanza_free(el);
    }
    cr_expect_eq(elements, 2);
    framer_free(f);
}

/*
 * The frames of one feed may hold an element and, after it, the next
 * stream's header (a restart in the same TCP segment). The element still
 * belongs to the stream it came in: framer_parse_deferred() must read it
 * with that stream's bindings, as the direct framer and the frame_parser do,
 * not with the header that came after it.
 */
Test(framer, parse_deferred_uses_the_stream_the_element_came_in_not_a_later_header)
{
    bool found;
    struct stanza *el;
    const char *const tls_then_restart[] = {HDR_TLS "<tls:proceed/>" HDR, NULL};
    el = parse_deferred_nth(tls_then_restart, 0, &found, NULL);
    cr_assert(found);
    cr_expect(el && stanza_is(el, "proceed", NS_TLS),
              "<tls:proceed/> then a restart in the same feed: got %s",
              el ? or_null(el->ns) : "NULL (tls read as unbound)");
    stanza_free(el);

    const char *const server_then_client[] = {HDR_SERVER "<a/>" HDR "<b/>", NULL};
    el = parse_deferred_nth(server_then_client, 0, &found, NULL);
    cr_assert(found);
    cr_expect(el && same_str(el->ns, "jabber:server"),
              "<a/> came in the jabber:server stream, read in %s", el ? or_null(el->ns) : "NULL");
    stanza_free(el);

    /* and the other way: unbound in its own stream, bound in the next one */
    const char *const unbound_then_tls[] = {HDR "<tls:proceed/>" HDR_TLS, NULL};
    el = parse_deferred_nth(unbound_then_tls, 0, &found, NULL);
    cr_assert(found);
    cr_expect_null(el,
                   "<tls:proceed/> came where tls is unbound (the direct framer: an error); "
                   "read as %s:%s{%s}",
                   el ? or_null(el->prefix) : "", el ? el->name : "", el ? or_null(el->ns) : "");
    stanza_free(el);

    struct framer_limits lim = {.max_element = 160}; /* HDR_TLS fits, a LONG_ATTR header not */
    const char *const tls_then_oversize[] = {
        HDR_TLS "<tls:proceed/><stream:stream xmlns:tls='" NS_TLS "'" LONG_ATTR ">", NULL};
    el = parse_deferred_nth(tls_then_oversize, 0, &found, &lim);
    cr_assert(found);
    cr_expect(el && stanza_is(el, "proceed", NS_TLS),
              "<tls:proceed/> then an oversize header in the same feed: got %s",
              el ? or_null(el->ns) : "NULL (tls read as unbound)");
    stanza_free(el);
}

/*
 * The restricted mark (struct frame.restricted) is what the login's A15 reads:
 * set on every error about input RFC 6120 §11 forbids, from the scanner or
 * from the unit parser, and on no other error.
 */
Test(framer, errors_about_restricted_xml_carry_the_mark_and_no_other_does)
{
    static const struct {
        const char *input;
        const char *message; /* the one error the input gives */
        bool restricted;
    } cases[] = {
        {HDR "<a><!-- x --></a>", "restricted XML: comment", true},
        {HDR "<a><?pi?></a>", "restricted XML: processing instruction", true},
        {HDR "<!DOCTYPE x>", "restricted XML: DTD", true},
        {"\xef\xbb\xbf" HDR, "restricted XML: byte order mark", true},
        {"<?xml version='1.0' encoding='ISO-8859-1'?>" HDR,
         "restricted XML: encoding 'ISO-8859-1' is not UTF-8", true},
        {HDR "<a>&nbsp;</a>", "restricted XML: Entity 'nbsp' not defined (in <a> at byte 9)", true},
        {HDR "<a>\xc3\x28</a>",
         "restricted XML: Input is not proper UTF-8, indicate encoding ! (in <a> at byte 3)", true},
        {HDR "<a></b>", NULL, false},
        {HDR "stray text<a/>", "text outside elements", false},
        {HDR "<!x>", "malformed markup declaration", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct framer *f = framer_new("t", NULL);
        framer_feed(f, cases[i].input, strlen(cases[i].input));
        framer_finish(f);
        struct frame fr;
        int errors = 0;
        while (framer_next(f, &fr)) {
            if (fr.kind != FRAME_ERROR)
                continue;
            errors++;
            cr_expect_eq(fr.restricted, cases[i].restricted, "case %zu: '%s' restricted %d", i,
                         fr.message, fr.restricted);
            if (cases[i].message)
                cr_expect_str_eq(fr.message, cases[i].message, "case %zu", i);
        }
        cr_expect_eq(errors, 1, "case %zu: %d errors", i, errors);
        framer_free(f);
    }
}
