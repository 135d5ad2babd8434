/* test_xmlpush: stream headers and elements through libxml2 (trees, namespaces, errors, sharing).
 */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <libxml/parser.h>

#include "buf.h"
#include "ejlog.h"
#include "xmlpush.h"

#define STREAMS "http://etherx.jabber.org/streams"
#define XML_NS "http://www.w3.org/XML/1998/namespace"
#define CLIENT_HEADER                                                                              \
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='" STREAMS             \
    "' to='example.org' version='1.0'>"

/* name{ns}[prefix] attrs (name{ns}=value) "text" (children) */
static void
dump(struct buf *b, const struct stanza *s)
{
    buf_printf(b, "%s%s%s{%s}", s->prefix ? s->prefix : "", s->prefix ? ":" : "", s->name,
               s->ns ? s->ns : "-");
    for (size_t i = 0; i < s->nattrs; i++)
        buf_printf(b, " %s%s%s{%s}=%s", s->attrs[i].prefix ? s->attrs[i].prefix : "",
                   s->attrs[i].prefix ? ":" : "", s->attrs[i].name,
                   s->attrs[i].ns ? s->attrs[i].ns : "-", s->attrs[i].value);
    if (s->text_len)
        buf_printf(b, " \"%s\"", s->text);
    if (s->nchildren) {
        buf_append_str(b, " (");
        for (size_t i = 0; i < s->nchildren; i++) {
            if (i)
                buf_append_str(b, ", ");
            dump(b, s->children[i]);
        }
        buf_append_str(b, ")");
    }
}

/* A stream after |header| (NULL: none, the stand-in's). */
static struct xml_push *
stream(const char *header)
{
    struct xml_push *xp = xml_push_new();
    if (header) {
        bool closed;
        char err[256];
        struct stanza *h = xml_push_header(xp, header, strlen(header), &closed, err, sizeof(err));
        cr_assert_not_null(h, "%s", err);
        stanza_free(h);
    }
    return xp;
}

/* The element's tree as text, or "error: MESSAGE", read in |xp|. */
static char *
read_in(struct xml_push *xp, const char *xml, size_t len)
{
    char err[256];
    struct stanza *s = xml_push_element(xp, xml, len, err, sizeof(err));
    struct buf b = {0};
    if (s)
        dump(&b, s);
    else
        buf_printf(&b, "error: %s", err);
    stanza_free(s);
    char *out = strdup(buf_str(&b));
    buf_clear(&b);
    return out;
}

/* The same in a fresh c2s stream. */
static char *
parse(const char *xml)
{
    struct xml_push *xp = stream(CLIENT_HEADER);
    char *out = read_in(xp, xml, strlen(xml));
    xml_push_free(xp);
    return out;
}

static void
expect_tree(const char *xml, const char *want)
{
    char *got = parse(xml);
    cr_expect_str_eq(got, want, "input: %s", xml);
    free(got);
}

static void
expect_error(const char *xml, const char *start)
{
    char *got = parse(xml);
    cr_expect(strncmp(got, "error: ", 7) == 0 && strstr(got, start) != NULL,
              "input: %s\ngot: %s\nwanted an error with: %s", xml, got, start);
    free(got);
}

Test(xmlpush, header_tree_default_namespace_and_a_closed_header)
{
    struct xml_push *xp = xml_push_new();
    bool closed = true;
    char err[256];
    const char h[] = "<stream:stream xmlns:stream='" STREAMS "' xmlns='jabber:client' to='a'>";
    struct stanza *s = xml_push_header(xp, h, sizeof(h) - 1, &closed, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_expect_not(closed);
    cr_expect_str_eq(s->name, "stream");
    cr_expect_str_eq(s->prefix, "stream");
    cr_expect_str_eq(s->ns, STREAMS);
    cr_expect_str_eq(s->default_ns, "jabber:client");
    cr_expect_eq(s->nattrs, 1, "xmlns declarations are not attributes");
    stanza_free(s);

    const char e[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<stream:stream "
                     "xmlns:stream='" STREAMS "'/>";
    s = xml_push_header(xp, e, sizeof(e) - 1, &closed, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_expect(closed);
    cr_expect_null(s->default_ns);
    stanza_free(s);
    size_t len;
    cr_expect_null(xml_push_header_bytes(xp, &len), "a closed header leaves the stand-in stream");

    const char bad[] = "<stream:stream to='a'>"; /* prefix never declared */
    s = xml_push_header(xp, bad, sizeof(bad) - 1, &closed, err, sizeof(err));
    cr_expect_null(s);
    cr_expect(strstr(err, "Namespace prefix stream on stream is not defined") != NULL, "%s", err);
    cr_expect(strstr(err, "(in <stream:stream> at byte ") != NULL, "%s", err);

    /* bytes after the header's tag that libxml2 would hold back, then read before the next element
     */
    const char tail[] = "<stream:stream xmlns:stream='" STREAMS "'><inl";
    s = xml_push_header(xp, tail, sizeof(tail) - 1, &closed, err, sizeof(err));
    cr_expect_null(s);
    cr_expect(strstr(err, "Extra content after the stream header") != NULL, "%s", err);
    struct stanza *iq = xml_push_element(xp, "<iq/>", 5, err, sizeof(err));
    cr_expect(iq && iq->ns && strcmp(iq->ns, "jabber:client") == 0, "%s", iq ? "" : err);
    stanza_free(iq);

    /* an empty header and a second one in the same unit: one tree at most, and an error */
    const char two[] = "<stream:stream xmlns:stream='" STREAMS "'/><s/>";
    s = xml_push_header(xp, two, sizeof(two) - 1, &closed, err, sizeof(err));
    cr_expect_null(s);
    cr_expect(strstr(err, "Extra content after the stream header") != NULL, "%s", err);

    /* the XML declaration is libxml2's to check too */
    const char decl[] =
        "<?xml version='1.0' standalone='maybe'?><stream:stream xmlns:stream='" STREAMS "'>";
    s = xml_push_header(xp, decl, sizeof(decl) - 1, &closed, err, sizeof(err));
    cr_expect_null(s);
    cr_expect(strstr(err, "standalone") != NULL, "%s", err);
    xml_push_free(xp);
}

Test(xmlpush, trees_namespaces_and_attributes)
{
    expect_tree("<presence/>", "presence{jabber:client}");
    expect_tree("<iq type='set' id=\"b1\"><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                "<resource>r</resource></bind></iq>",
                "iq{jabber:client} type{-}=set id{-}=b1 (bind{urn:ietf:params:xml:ns:xmpp-bind} "
                "(resource{urn:ietf:params:xml:ns:xmpp-bind} \"r\"))");
    expect_tree("<stream:features><x:a xmlns:x='urn:x' x:k='v' xml:lang='en'/></stream:features>",
                "stream:features{" STREAMS "} (x:a{urn:x} x:k{urn:x}=v xml:lang{" XML_NS "}=en)");
    /* a default namespace undeclared */
    expect_tree("<a xmlns=''><b/></a>", "a{-} (b{-})");
    /* mixed text is concatenated per element */
    expect_tree("<message><body>a<b/>c</body>\n</message>",
                "message{jabber:client} \"\n\" (body{jabber:client} \"ac\" (b{jabber:client}))");
}

/*
 * A default namespace declaration libxml2 accepted once is left out of what
 * it reads the next time (nsdecl.h): the second reading of each element must
 * give the first one's tree, or its error at the same byte.
 */
Test(xmlpush, declarations_read_before_give_the_same_trees_and_errors)
{
    static const char *const units[] = {
        "<auth xmlns='urn:x:sasl' mechanism='PLAIN'>AGJvYg==</auth>",
        "<iq type='set'><bind xmlns='urn:x:bind'><resource>r</resource></bind><q/></iq>",
        /* nested scopes: one left out inside one libxml2 reads, and the other way round */
        "<a xmlns='urn:x:a'><b xmlns='urn:x:new'><c/></b><d/></a>",
        "<a xmlns='urn:x:new2'><b xmlns='urn:x:a'><c/></b><d/></a>",
        "<a xmlns='urn:x:a'><b xmlns=''><c/></b><p:e xmlns:p='urn:x:p'><f/></p:e></a>",
        "<a xmlns='urn:x:a' xmlns:p='urn:x:a'><p:b/><b/></a>",
        /* a prefixed element keeps its prefix's namespace */
        "<stream:features><m xmlns='urn:x:m'><stream:x/></m></stream:features>",
        /* errors after a declaration: the same message, the same byte */
        "<a xmlns='urn:x:a' t='1' t='2'/>",
        "<a xmlns='urn:x:a'><b></c></a>",
        "<a xmlns='urn:x:a' b='<'/>",
        "<a xmlns='urn:x:a'><q:b/></a>",
        "<a xmlns='urn:x:a'b='1'/>",
        "<a xmlns='urn:x:a' xmlns='urn:x:a'/>",
        "<a xmlns='urn:x:a'>&nbsp;</a>",
        "<a xmlns='urn:x:a'><b xmlns='urn:x:a'>",
        /* a declaration libxml2 refuses is never taken as known */
        "<a xmlns='http://www.w3.org/XML/1998/namespace'/>",
        "<a xmlns='urn:x:a'><!-- <b xmlns='urn:x:a'/> --><c xmlns='urn:x:a'/></a>",
    };
    size_t n = sizeof(units) / sizeof(units[0]);
    for (int header = 0; header < 2; header++) {
        struct xml_push *xp = stream(header ? CLIENT_HEADER : NULL);
        char *first[sizeof(units) / sizeof(units[0])];
        for (size_t i = 0; i < n; i++)
            first[i] = read_in(xp, units[i], strlen(units[i]));
        for (int round = 0; round < 2; round++)
            for (size_t i = 0; i < n; i++) {
                char *again = read_in(xp, units[i], strlen(units[i]));
                cr_expect_str_eq(again, first[i], "input: %s", units[i]);
                free(again);
            }
        for (size_t i = 0; i < n; i++)
            free(first[i]);
        xml_push_free(xp);
    }
    expect_tree("<a xmlns='urn:x:a'><b xmlns='urn:x:new3'><c/></b><d/></a>",
                "a{urn:x:a} (b{urn:x:new3} (c{urn:x:new3}), d{urn:x:a})");
    expect_tree("<a xmlns='urn:x:a'><b xmlns=''><c/></b><d/></a>",
                "a{urn:x:a} (b{-} (c{-}), d{urn:x:a})");

    /* a header's declaration too, read again when a context is lent */
    struct xml_push *xp[40];
    const char h[] = "<stream:stream xmlns='urn:x:server' xmlns:stream='" STREAMS "'>";
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < 40; i++) {
            if (round == 0) {
                xp[i] = xml_push_new();
                bool closed;
                char err[256];
                struct stanza *s =
                    xml_push_header(xp[i], h, sizeof(h) - 1, &closed, err, sizeof(err));
                cr_assert_not_null(s, "%s", err);
                cr_expect_str_eq(s->default_ns, "urn:x:server");
                stanza_free(s);
            }
            char *t = read_in(xp[i], "<db/>", 5);
            cr_expect_str_eq(t, "db{urn:x:server}");
            free(t);
        }
    for (size_t i = 0; i < 40; i++)
        xml_push_free(xp[i]);
}

Test(xmlpush, references_line_ends_and_cdata)
{
    expect_tree("<a t='x&amp;y&lt;&#65;&#x42;&apos;&quot;'>1 &lt; 2 &gt; 0 &#233;</a>",
                "a{jabber:client} t{-}=x&y<AB'\" \"1 < 2 > 0 \xc3\xa9\"");
    /* '&' from a character reference, not the "&#38;" libxml2 hands over */
    expect_tree("<a t='a&#38;b&amp;#38;'/>", "a{jabber:client} t{-}=a&b&#38;");
    /* attribute values: whitespace characters become spaces, "\r\n" one space */
    expect_tree("<a t='1\t2\n3\r\n4'/>", "a{jabber:client} t{-}=1 2 3 4");
    /* a character reference is not normalised */
    expect_tree("<a t='1&#10;2'/>", "a{jabber:client} t{-}=1\n2");
    /* text: "\r\n" and "\r" are "\n" */
    expect_tree("<a>1\r\n2\r3</a>", "a{jabber:client} \"1\n2\n3\"");
    expect_tree("<a><![CDATA[<not-a-tag> & ]]>x</a>", "a{jabber:client} \"<not-a-tag> & x\"");
    expect_tree("<a><!-- c --><?pi data?>t</a>", "a{jabber:client} \"t\"");
    expect_tree("<a>\xf0\x9f\x98\x80</a>", "a{jabber:client} \"\xf0\x9f\x98\x80\"");
    /* white space after the element is the stream's */
    expect_tree("<a/>\r\n ", "a{jabber:client}");
}

Test(xmlpush, errors_name_the_problem_the_element_and_the_byte)
{
    expect_error("<a>&nbsp;</a>", "restricted XML: Entity 'nbsp' not defined (in <a> at byte ");
    expect_error("<a>\xc3\x28</a>", "restricted XML: Input is not proper UTF-8");
    expect_error("<a t='\xff'/>", "restricted XML: Input is not proper UTF-8");
    expect_error("<a><b></a>", "Opening and ending tag mismatch: b and a (in <a> at byte ");
    expect_error("<a><b>", "Premature end of data in tag b");
    expect_error("<p:a/>", "Namespace prefix p on a is not defined (in <p:a> at byte ");
    expect_error("<a p:t='1'/>", "Namespace prefix p for t on a is not defined");
    expect_error("<a t='1' t='2'/>", "Attribute t redefined");
    expect_error("<a xmlns:p='u' xmlns:q='u' p:t='1' q:t='2'/>",
                 "Namespaced Attribute t in 'u' redefined");
    expect_error("<a t='<'/>", "Unescaped '<' not allowed");
    expect_error("<a t=1/>", "AttValue");
    expect_error("<a t/>", "Specification mandates value");
    expect_error("<a>]]></a>", "Sequence ']]>' not allowed");
    expect_error("<a>\x01</a>", "PCDATA invalid Char value 1");
    expect_error("<a>&#0;</a>", "invalid xmlChar value 0");
    expect_error("<a>&#xD800;</a>", "invalid xmlChar value");
    expect_error("<a>&amp</a>", "expecting ';'");
    expect_error("<a><!-- x -- y --></a>", "Double hyphen within comment");
    expect_error("<a><?xml version='1.0'?></a>", "XML declaration allowed only at the start");
    expect_error("<a><!DOCTYPE x></a>", "(in <a> at byte ");
    expect_error("<a/><b/>", "Extra content at the end of the element");
    expect_error("<a/>x", "Extra content at the end of the element");
    expect_error("<a xmlns:p=''/>", "Empty XML namespace is not allowed");
    expect_error("<a xmlns:xml='urn:other'/>", "xml namespace prefix mapped to wrong URI");
    expect_error("<a xmlns='" XML_NS "'/>", "xml namespace URI cannot be the default namespace");
    expect_error("<a xmlns:p='http://www.w3.org/2000/xmlns/'/>",
                 "reuse of the xmlns namespace name");
    expect_error("<a:b:c/>", "(in <");
    expect_error("<1a/>", "invalid element name");
    expect_error("<a\x01/>", "(in <a> at byte 2)");
    expect_error("<a\xc2\xa0"
                 "b/>",
                 "at byte 2)");
    expect_error("", "Start tag expected, '<' not found (at byte 0)");
    expect_error("x<a/>", "Start tag expected");
    expect_error("<a/><!-- c -->", "Extra content at the end of the element");
    /* a message never carries the element's text */
    char *got = parse("<auth mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==&bogus;</auth>");
    cr_expect_null(strstr(got, "AGFs"), "%s", got);
    cr_expect(strstr(got, "Entity 'bogus' not defined") != NULL, "%s", got);
    free(got);
    /* nor libxml2's line numbers, which count lines of the stream, not of the element */
    got = parse("<a>\n\n<b></a>");
    cr_expect(strstr(got, "mismatch: b and a (in <a> at byte ") != NULL, "%s", got);
    free(got);
}

Test(xmlpush, deep_nesting_is_read_whole)
{
    /* libxml2's push parser does not count depth without a tree; the framer caps it (64) */
    struct buf b = {0};
    for (int i = 0; i < 2000; i++)
        buf_append_str(&b, "<a>");
    for (int i = 0; i < 2000; i++)
        buf_append_str(&b, "</a>");
    struct xml_push *xp = stream(CLIENT_HEADER);
    char err[256];
    struct stanza *s = xml_push_element(xp, b.data, b.len, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    size_t depth = 1;
    for (const struct stanza *c = s; c->nchildren; c = c->children[0])
        depth++;
    cr_expect_eq(depth, 2000);
    stanza_free(s);
    xml_push_free(xp);
    buf_clear(&b);
}

Test(xmlpush, an_error_leaves_the_stream_readable)
{
    /* after each broken element the next one is read with the header's bindings again */
    struct xml_push *xp =
        stream("<stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
               "xmlns:stream='" STREAMS "'>");
    static const char *const bad[] = {"<a><b></a>", "<a>&x;</a>",  "<a t='<'/>", "<p:a/>",
                                      "<a/>junk",   "<a>\xff</a>", "<a"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *got = read_in(xp, bad[i], strlen(bad[i]));
        cr_expect(strncmp(got, "error: ", 7) == 0, "%s: %s", bad[i], got);
        free(got);
        got = read_in(xp, "<db:result to='a'/>", 19);
        cr_expect_str_eq(got, "db:result{jabber:server:dialback} to{-}=a", "after %s", bad[i]);
        free(got);
        got = read_in(xp, "<iq/>", 5);
        cr_expect_str_eq(got, "iq{jabber:server}", "after %s", bad[i]);
        free(got);
    }
    /* a new header replaces the bindings; forgetting it leaves the stand-in c2s ones */
    bool closed;
    char err[256];
    const char h[] = "<x:stream xmlns:x='" STREAMS "' xmlns='urn:other'>";
    struct stanza *hs = xml_push_header(xp, h, sizeof(h) - 1, &closed, err, sizeof(err));
    cr_assert_not_null(hs, "%s", err);
    stanza_free(hs);
    char *got = read_in(xp, "<x:features/>", 13);
    cr_expect_str_eq(got, "x:features{" STREAMS "}");
    free(got);
    got = read_in(xp, "<db:result/>", 12);
    cr_expect(strstr(got, "Namespace prefix db on result is not defined") != NULL, "%s", got);
    free(got);
    xml_push_forget(xp);
    got = read_in(xp, "<stream:features><iq/></stream:features>", 40);
    cr_expect_str_eq(got, "stream:features{" STREAMS "} (iq{jabber:client})");
    free(got);
    xml_push_free(xp);
}

Test(xmlpush, more_streams_than_contexts_keep_their_own_bindings)
{
    /* 100 streams, each binding p to its own namespace, read in turns: contexts are lent */
    enum { N = 100 };
    struct xml_push *xp[N];
    for (int i = 0; i < N; i++) {
        char h[200];
        snprintf(h, sizeof(h),
                 "<stream:stream xmlns='urn:d%d' xmlns:p='urn:p%d' xmlns:stream='" STREAMS "'>", i,
                 i);
        xp[i] = stream(h);
    }
    for (int round = 0; round < 3; round++) {
        for (int k = 0; k < N; k++) {
            int i = (k * 37 + round) % N; /* not in the order they were opened */
            char want[100];
            snprintf(want, sizeof(want), "p:x{urn:p%d} (y{urn:d%d})", i, i);
            char *got = read_in(xp[i], "<p:x><y/></p:x>", 15);
            cr_expect_str_eq(got, want, "stream %d, round %d", i, round);
            free(got);
        }
    }
    for (int i = 0; i < N; i++)
        xml_push_free(xp[i]);
    /* one header adopted from elsewhere (deferred framing) is read when first needed */
    struct xml_push *d = xml_push_new();
    const char h[] = "<stream:stream xmlns='urn:adopted' xmlns:stream='" STREAMS "'>";
    xml_push_adopt_header(d, h, sizeof(h) - 1, true);
    char *got = read_in(d, "<z/>", 4);
    cr_expect_str_eq(got, "z{urn:adopted}");
    free(got);
    xml_push_free(d);
}

/*
 * libxml2 itself, the reference: the element's tree read in a fresh document
 * after a c2s header, "ok TREE", "many" (more than one element) or "error".
 */
struct ref_tree {
    struct stanza *stack[256];
    size_t depth;
    struct stanza *top[8];
    size_t ntop;
    bool error;
    xmlParserCtxtPtr ctxt;
    size_t stream_at, end_at; /* where the unit begins, and where its first element ended */
};

static void
ref_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
          int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
          const xmlChar **attributes)
{
    (void)nb_namespaces;
    (void)namespaces;
    (void)nb_defaulted;
    struct ref_tree *t = ctx;
    struct stanza *s = stanza_new((const char *)localname, (const char *)prefix, (const char *)uri);
    for (int i = 0; i < nb_attributes; i++) {
        const xmlChar **a = attributes + 5 * i;
        /* libxml2 hands '&' over as "&#38;" without XML_PARSE_NOENT; undo just that */
        struct buf v = {0};
        for (const xmlChar *p = a[3]; p < a[4]; p++) {
            buf_append_char(&v, (char)*p);
            if (*p == '&' && a[4] - p >= 5 && memcmp(p, "&#38;", 5) == 0)
                p += 4;
        }
        stanza_add_attr(s, (const char *)a[0], (const char *)a[1], (const char *)a[2],
                        v.data ? v.data : "", v.len);
        buf_clear(&v);
    }
    if (t->depth == 1 && t->ntop < 8)
        t->top[t->ntop++] = s;
    else if (t->depth > 1 && t->depth <= 256)
        stanza_add_child(t->stack[t->depth - 1], s);
    else
        stanza_free(s); /* the stream header, or too deep to keep */
    if (t->depth < 256)
        t->stack[t->depth] = s;
    t->depth++;
}

static void
ref_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)localname;
    (void)prefix;
    (void)uri;
    struct ref_tree *t = ctx;
    if (t->depth)
        t->depth--;
    if (t->depth == 1 && !t->end_at) /* the unit's element ended here */
        t->end_at =
            (size_t)t->ctxt->input->consumed + (size_t)(t->ctxt->input->cur - t->ctxt->input->base);
}

static void
ref_text(void *ctx, const xmlChar *ch, int len)
{
    struct ref_tree *t = ctx;
    if (t->depth > 1 && t->depth <= 256 && len > 0)
        stanza_add_text(t->stack[t->depth - 1], (const char *)ch, (size_t)len);
}

static void
ref_error(void *ctx, xmlErrorPtr e)
{
    struct ref_tree *t = ctx;
    if (e && e->level >= XML_ERR_ERROR)
        t->error = true;
}

static char *
reference(const char *xml, size_t len)
{
    xmlSAXHandler sax = {0};
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = ref_start;
    sax.endElementNs = ref_end;
    sax.characters = ref_text;
    sax.cdataBlock = ref_text;
    sax.serror = (xmlStructuredErrorFunc)ref_error;
    struct ref_tree t = {0};
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, &t, NULL, 0, NULL);
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_IGNORE_ENC);
    t.ctxt = ctxt;
    t.stream_at = strlen(CLIENT_HEADER);
    xmlParseChunk(ctxt, CLIENT_HEADER, (int)strlen(CLIENT_HEADER), 0);
    xmlParseChunk(ctxt, xml, (int)len, 0);
    bool complete = t.depth == 1; /* back inside the stream only */
    xmlFreeParserCtxt(ctxt);
    /*
     * A unit is one element, with white space around it at most: text before
     * or after it, which a stream would take for text between elements, makes
     * it an error here.
     */
    size_t lead = 0;
    while (lead < len && strchr(" \t\r\n", xml[lead]) && xml[lead])
        lead++;
    bool text_around = (lead < len && xml[lead] != '<');
    for (size_t i = t.end_at ? t.end_at - t.stream_at : len; i < len; i++)
        text_around = text_around || !xml[i] || !strchr(" \t\r\n", xml[i]);
    struct buf b = {0};
    if (t.error || !complete || (text_around && t.ntop == 1))
        buf_append_str(&b, "error");
    else if (t.ntop != 1)
        buf_append_str(&b, "many");
    else {
        buf_append_str(&b, "ok ");
        dump(&b, t.top[0]);
    }
    for (size_t i = 0; i < t.ntop; i++)
        stanza_free(t.top[i]);
    char *out = strdup(buf_str(&b));
    buf_clear(&b);
    return out;
}

/* Ours, read in |xp| (one stream for many elements), in the reference's form. */
static char *
ours(struct xml_push *xp, const char *xml, size_t len, char *err, size_t errlen)
{
    struct stanza *s = xml_push_element(xp, xml, len, err, errlen);
    struct buf b = {0};
    if (s) {
        buf_append_str(&b, "ok ");
        dump(&b, s);
    } else {
        buf_append_str(&b, "error");
    }
    stanza_free(s);
    char *out = strdup(buf_str(&b));
    buf_clear(&b);
    return out;
}

/* "ok" trees must match libxml2's own, "error" must be an error too. */
static void
expect_as_libxml2(struct xml_push *xp, const char *xml, size_t len, const char *where)
{
    char *want = reference(xml, len);
    if (strcmp(want, "many") == 0) {
        free(want);
        return;
    }
    char err[256] = "";
    char *got = ours(xp, xml, len, err, sizeof(err));
    static char prev[300];
    cr_expect_str_eq(got, want, "%s: %.*s\nours:    %s (%s)\nlibxml2: %s\nafter: %s", where,
                     (int)(len < 300 ? len : 300), xml, got, err, want, prev);
    snprintf(prev, sizeof(prev), "%.*s", (int)len, xml);
    free(got);
    free(want);
}

/* Every element of the test logs, each handed to |fn|. */
static size_t
each_log_element(void (*fn)(const char *, size_t, const char *, void *), void *arg)
{
    const char *top = getenv("TESTDATA");
    cr_assert_not_null(top, "TESTDATA is set by the test harness");
    DIR *d = opendir(top);
    cr_assert_not_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s/ejabberd.log", top, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        struct ejlog *r = ejlog_new();
        char chunk[65536];
        size_t k;
        while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
            ejlog_feed(r, chunk, k);
        ejlog_finish(r);
        fclose(f);
        struct ejlog_event ev;
        while (ejlog_next(r, &ev)) {
            if (ev.kind != EJ_XML || ev.truncated || !ev.len || ev.data[0] != '<')
                continue;
            if (ev.len >= 14 && (memcmp(ev.data, "<stream:stream", 14) == 0 ||
                                 memcmp(ev.data, "<?xml", 5) == 0 || memcmp(ev.data, "</", 2) == 0))
                continue;
            fn(ev.data, ev.len, de->d_name, arg);
            n++;
        }
        ejlog_free(r);
    }
    closedir(d);
    return n;
}

static void
check_element(const char *xml, size_t len, const char *where, void *arg)
{
    expect_as_libxml2(arg, xml, len, where);
}

Test(xmlpush, same_trees_as_libxml2_on_every_element_of_the_test_logs)
{
    struct xml_push *xp = stream(CLIENT_HEADER);
    size_t n = each_log_element(check_element, xp);
    cr_expect_gt(n, 250, "elements checked: %zu", n);
    xml_push_free(xp);
}

Test(xmlpush, same_verdicts_as_libxml2_on_odd_elements)
{
    static const char *const cases[] = {
        "<a/>",
        "<a></a>",
        "<a >x</a >",
        "<a\n\tb = 'c'\n/>",
        "<a b=\"'\" c='\"'/>",
        "<a>&lt;&gt;&amp;&quot;&apos;&#x10FFFF;&#1114111;</a>",
        "<a>&#x110000;</a>",
        "<a>&#xFFFE;</a>",
        "<a>&#9;&#10;&#13;</a>",
        "<a t='&#9;&#13;'/>",
        "<a>\t\n</a>",
        "<a><b/><b/>t<c>u</c>v</a>",
        "<x:a xmlns:x='u'><x:b/><b/></x:a>",
        "<a xmlns='u'><b xmlns=''/></a>",
        "<a xml:lang='en' xml:space='x'/>",
        "<a xmlns:p='u1'><p:b xmlns:p='u2' p:c='1'/></a>",
        "<a b='1' xmlns:p='u' p:b='2'/>",
        "<a>]]</a>",
        "<a>]</a>",
        "<a>]>]</a>",
        "<a><![CDATA[]]]]><![CDATA[>]]></a>",
        "<a><![CDATA[a\r\nb]]></a>",
        "<a>\r</a>",
        "<a t='\r'/>",
        "<a>\xc2\x80\xef\xbf\xbd</a>",
        "<a>\xef\xbf\xbe</a>",
        "<a>\xed\xa0\x80</a>",
        "<a>\xf4\x90\x80\x80</a>",
        "<a>\xc0\x80</a>",
        "<a>\x7f</a>",
        "<a>\x0b</a>",
        "<a>&#x;</a>",
        "<a>&#;</a>",
        "<a>&#-1;</a>",
        "<a>&foo;</a>",
        "<a>& b</a>",
        "<a t='&'/>",
        "<a t='a&#38;b'/>",
        "<a t='&amp;#38;'/>",
        "<a><!----></a>",
        "<a><!-- - --></a>",
        "<a><!---></a>",
        "<a><?p?></a>",
        "<a><?p x?></a>",
        "<a><?XmL x?></a>",
        "<a><?xml-stylesheet x?></a>",
        "<a>x</b>",
        "<a><b></b ></a>",
        "<a><b></ b></a>",
        "<a/ >",
        "<a b='1'c='2'/>",
        "<a:/>",
        "<:a/>",
        "<a xmlns:a=''/>",
        "<a xmlns=''/>",
        "<xmlns:a/>",
        "<a xmlns:xmlns='u'/>",
        "<a xmlns:p='http://www.w3.org/XML/1998/namespace'/>",
        "<a xmlns:xml='http://www.w3.org/XML/1998/namespace'/>",
        "<a-b.c_d/>",
        "<a\xc3\xa9/>",
        "<\xc3\xa9/>",
        "<a>&#x41;&#65;</a>",
        "<a t=''/>",
        "<a t='x\"y'/>",
        "<a><b>",
        "<a t='1' T='2'/>",
        "<a>text",
        "<a><b/></a>\n",
        "<a xmlns='a b'/>",
        "<a xmlns:p='%zz'/>",
        "<a\xe2\x80\x8b/>",
        "<a\xcc\x81/>",
        "<a xmlns='http://www.w3.org/2000/xmlns/'/>",
        "<a><? p?></a>",
        "<a><?pi</a>",
        "<a><?xml?></a>",
    };
    struct xml_push *xp = stream(CLIENT_HEADER);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_as_libxml2(xp, cases[i], strlen(cases[i]), "case");
    xml_push_free(xp);
}

/* A line of xmlpush-corpus.txt, unescaped into |out|. */
static void
unescape(const char *s, struct buf *out)
{
    buf_reset(out);
    for (; *s && *s != '\n'; s++) {
        if (*s == '\\' && s[1] == '\\') {
            buf_append_char(out, '\\');
            s++;
        } else if (*s == '\\' && s[1] == 'x' && s[2] && s[3]) {
            char hex[3] = {s[2], s[3], 0};
            buf_append_char(out, (char)strtol(hex, NULL, 16));
            s += 3;
        } else {
            buf_append_char(out, *s);
        }
    }
}

Test(xmlpush, the_verdicts_of_libxml2_on_the_mutation_corpus)
{
    /* where the hand-written parser this replaced disagreed with libxml2, one stream for all */
    const char *top = getenv("TESTDATA");
    cr_assert_not_null(top);
    char path[4096];
    snprintf(path, sizeof(path), "%s/../tests/unit/xmlpush-corpus.txt", top);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    struct xml_push *xp = stream(CLIENT_HEADER);
    char line[8192];
    struct buf el = {0};
    size_t n = 0, errors = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#')
            continue;
        bool want_ok = strncmp(line, "ok ", 3) == 0;
        cr_assert(want_ok || strncmp(line, "error ", 6) == 0, "corpus line: %s", line);
        unescape(line + (want_ok ? 3 : 6), &el);
        char err[256] = "";
        char *got = ours(xp, el.data ? el.data : "", el.len, err, sizeof(err));
        cr_expect_eq(strncmp(got, "ok", 2) == 0, want_ok, "%s\nwant %s, got %s (%s)", line,
                     want_ok ? "ok" : "error", got, err);
        errors += !want_ok;
        free(got);
        n++;
    }
    fclose(f);
    cr_expect_gt(n, 300, "corpus lines: %zu", n);
    cr_expect_gt(errors, 150, "refused in the corpus: %zu", errors);
    buf_clear(&el);
    xml_push_free(xp);
}

/* Mutations of the test logs' elements, read one after another in one stream, as libxml2 says. */
struct mutations {
    struct xml_push *xp;
    unsigned long long rng;
    size_t checked;
};

static unsigned
rnd(struct mutations *m, unsigned n)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return (unsigned)(m->rng % n);
}

static void
mutate_and_check(const char *xml, size_t len, const char *where, void *arg)
{
    static const char *const snips[] = {
        "<",        ">",      "&",        "&#0;",
        "'",        "\"",     ":",        " xmlns:x='u'",
        "<?pi x?>", "<? x?>", "<!--",     "]]>",
        "\xc3",     "\xff",   "\xc2\xa0", " xmlns='http://www.w3.org/2000/xmlns/'",
        "&bogus;",  "</x>",   "<x>",      "/"};
    struct mutations *m = arg;
    struct buf b = {0};
    for (int k = 0; k < 8; k++) {
        buf_reset(&b);
        size_t at = rnd(m, (unsigned)len + 1);
        const char *snip = snips[rnd(m, sizeof(snips) / sizeof(snips[0]))];
        buf_append(&b, xml, at);
        if (k % 2)
            buf_append_str(&b, snip);
        buf_append(&b, xml + at + (k % 2 == 0 && at < len), len - at - (k % 2 == 0 && at < len));
        expect_as_libxml2(m->xp, b.data, b.len, where);
        m->checked++;
    }
    buf_clear(&b);
}

Test(xmlpush, same_verdicts_as_libxml2_on_mutated_log_elements)
{
    struct mutations m = {stream(CLIENT_HEADER), 88172645463325252ULL, 0};
    each_log_element(mutate_and_check, &m);
    cr_expect_gt(m.checked, 2000, "mutations checked: %zu", m.checked);
    xml_push_free(m.xp);
}

/* n attributes a0='1' ... (and whatever |extra| adds) on one element. */
static char *
many_attrs(const char *decls, int n, const char *prefix, const char *extra)
{
    struct buf b = {0};
    buf_printf(&b, "<a %s", decls);
    for (int i = 0; i < n; i++)
        buf_printf(&b, " %s%sa%d='1'", prefix ? prefix : "", prefix ? ":" : "", i);
    buf_printf(&b, "%s/>", extra);
    char *out = strdup(buf_str(&b));
    buf_clear(&b);
    return out;
}

Test(xmlpush, duplicates_among_many_attributes_as_libxml2)
{
    static const struct {
        const char *decls, *prefix, *extra;
    } cases[] = {
        {"", NULL, ""},
        {"", NULL, " a39='2'"},
        {"xmlns:p='u' xmlns:q='u'", "p", " q:a17='2'"},
        {"xmlns:p='u' xmlns:q='v'", "p", " q:a17='2'"},
        {"xmlns:p='u'", "p", " a17='2'"},
        {"xmlns:p='u' xmlns:q='u'", "p", " q:a0='2' r:x='1'"},
        {"xmlns:p='u'", "p", " p:a5='2'"},
    };
    struct xml_push *xp = stream(CLIENT_HEADER);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *xml = many_attrs(cases[i].decls, 200, cases[i].prefix, cases[i].extra);
        expect_as_libxml2(xp, xml, strlen(xml), "many attributes");
        free(xml);
    }
    xml_push_free(xp);
    char *xml = many_attrs("", 100, NULL, " a99='x'");
    char *got = parse(xml);
    cr_expect(strstr(got, "Attribute a99 redefined") != NULL, "%s", got);
    free(got);
    free(xml);
}
