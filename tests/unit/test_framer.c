/* test_framer: XMPP stream bytes to frames, whatever the splits (RFC 6120 4, 11). */
#include <config.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
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
                          "error: Namespace prefix s on b is not defined\n");
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
                                      "stream:stream\n"
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
                     "error: restricted XML: Input is not proper UTF-8, indicate encoding !\n"
                     "element <body{jabber:client}>\xc3\xa9</body>\n");
    free(got);
}

/* ---- errors and resynchronisation ---- */

Test(framer, mismatched_tags_give_an_error_then_the_next_element)
{
    char *got = trace(HDR "<a><b></a><message to='x'/>", true);
    cr_expect_str_eq(got, "stream-open @0+85 <stream:stream{" NS_STREAMS "}/>\n"
                          "error @85+10: Opening and ending tag mismatch: b and a\n"
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
    cr_expect_str_eq(got, HDR_SUMMARY "error: restricted XML: Entity 'nbsp' not defined\n"
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
                          "error: restricted XML: Entity 'lol9' not defined\n"
                          "element <presence{jabber:client}/>\n"
                          "error: restricted XML: DTD\n"
                          "error: restricted XML: Entity 'x' not defined\n"
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

/* ---- gaps ---- */

Test(framer, gap_drops_the_partial_element_and_resyncs)
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
    cr_expect_str_eq(buf_str(&b), HDR_SUMMARY "element <presence{jabber:client}/>\n"
                                              "whitespace\n"
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
