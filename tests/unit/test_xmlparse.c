/* test_xmlparse: the restricted-XML unit parser (trees, namespaces, references, errors). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "xmlparse.h"

#define STREAMS "http://etherx.jabber.org/streams"
#define XML_NS "http://www.w3.org/XML/1998/namespace"

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

/* The c2s header's bindings, as the framer keeps them for a stream. */
static void
client_scope(struct xml_scope *sc)
{
    static const char hdr[] = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                              "xmlns:stream='" STREAMS "' to='example.org' version='1.0'>";
    bool closed;
    char err[160];
    struct stanza *h = xmlparse_header(hdr, sizeof(hdr) - 1, sc, &closed, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    stanza_free(h);
}

/* The element's tree as text, or "error: MESSAGE". */
static char *
parse(const char *xml)
{
    struct xml_scope sc = {0};
    client_scope(&sc);
    size_t before = sc.n;
    char err[160];
    struct stanza *s = xmlparse_element(xml, strlen(xml), &sc, err, sizeof(err));
    cr_expect_eq(sc.n, before, "the element's declarations do not outlive it");
    struct buf b = {0};
    if (s)
        dump(&b, s);
    else
        buf_printf(&b, "error: %s", err);
    stanza_free(s);
    xml_scope_clear(&sc);
    char *out = strdup(buf_str(&b));
    buf_clear(&b);
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

Test(xmlparse, header_bindings_and_a_closed_header)
{
    struct xml_scope sc = {0};
    bool closed = true;
    char err[160];
    const char h[] = "<stream:stream xmlns:stream='" STREAMS "' xmlns='jabber:client' to='a'>";
    struct stanza *s = xmlparse_header(h, sizeof(h) - 1, &sc, &closed, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_expect_not(closed);
    cr_expect_str_eq(s->name, "stream");
    cr_expect_str_eq(s->prefix, "stream");
    cr_expect_str_eq(s->ns, STREAMS);
    cr_expect_eq(s->nattrs, 1, "xmlns declarations are not attributes");
    cr_expect_eq(sc.n, 2);
    stanza_free(s);
    xml_scope_clear(&sc);

    const char e[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<stream:stream "
                     "xmlns:stream='" STREAMS "'/>";
    s = xmlparse_header(e, sizeof(e) - 1, &sc, &closed, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_expect(closed);
    stanza_free(s);
    xml_scope_clear(&sc);

    const char bad[] = "<stream:stream to='a'>"; /* prefix never declared */
    s = xmlparse_header(bad, sizeof(bad) - 1, &sc, &closed, err, sizeof(err));
    cr_expect_null(s);
    cr_expect(strstr(err, "Namespace prefix stream") != NULL, "%s", err);
    cr_expect_eq(sc.n, 0);
    xml_scope_clear(&sc);
}

Test(xmlparse, trees_namespaces_and_attributes)
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

Test(xmlparse, references_line_ends_and_cdata)
{
    expect_tree("<a t='x&amp;y&lt;&#65;&#x42;&apos;&quot;'>1 &lt; 2 &gt; 0 &#233;</a>",
                "a{jabber:client} t{-}=x&y<AB'\" \"1 < 2 > 0 \xc3\xa9\"");
    /* attribute values: whitespace characters become spaces, "\r\n" one space */
    expect_tree("<a t='1\t2\n3\r\n4'/>", "a{jabber:client} t{-}=1 2 3 4");
    /* a character reference is not normalised */
    expect_tree("<a t='1&#10;2'/>", "a{jabber:client} t{-}=1\n2");
    /* text: "\r\n" and "\r" are "\n" */
    expect_tree("<a>1\r\n2\r3</a>", "a{jabber:client} \"1\n2\n3\"");
    expect_tree("<a><![CDATA[<not-a-tag> & ]]>x</a>", "a{jabber:client} \"<not-a-tag> & x\"");
    expect_tree("<a><!-- c --><?pi data?>t</a>", "a{jabber:client} \"t\"");
    expect_tree("<a>\xf0\x9f\x98\x80</a>", "a{jabber:client} \"\xf0\x9f\x98\x80\"");
}

Test(xmlparse, errors_name_the_problem_without_the_text)
{
    expect_error("<a>&nbsp;</a>", "restricted XML: Entity 'nbsp' not defined");
    expect_error("<a>\xc3\x28</a>", "restricted XML: Input is not proper UTF-8");
    expect_error("<a t='\xff'/>", "restricted XML: Input is not proper UTF-8");
    expect_error("<a><b></a>", "Opening and ending tag mismatch: b and a");
    expect_error("<a><b>", "Premature end of data in tag b");
    expect_error("<p:a/>", "Namespace prefix p on a is not defined");
    expect_error("<a p:t='1'/>", "Namespace prefix p for t on a is not defined");
    expect_error("<a t='1' t='2'/>", "Attribute t redefined");
    expect_error("<a xmlns:p='u' xmlns:q='u' p:t='1' q:t='2'/>", "Namespaced Attribute t redefined");
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
    expect_error("<a><!DOCTYPE x></a>", "invalid element name");
    expect_error("<a/><b/>", "Extra content at the end");
    expect_error("<a xmlns:p=''/>", "Empty XML namespace is not allowed");
    expect_error("<a xmlns:xml='urn:other'/>", "reserved prefix");
    expect_error("<a:b:c/>", "Failed to parse QName");
    expect_error("<1a/>", "invalid name");
    expect_error("<a\x01/>", "attributes construct error");
    expect_error("", "Start tag expected");
    /* a message never carries the element's text */
    char *got = parse("<auth mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==&bogus;</auth>");
    cr_expect_null(strstr(got, "AGFs"), "%s", got);
    free(got);
}

Test(xmlparse, deep_nesting_is_bounded)
{
    struct buf b = {0};
    for (int i = 0; i < 2000; i++)
        buf_append_str(&b, "<a>");
    for (int i = 0; i < 2000; i++)
        buf_append_str(&b, "</a>");
    char *got = parse(buf_str(&b));
    cr_expect(strstr(got, "Excessive depth") != NULL, "%.80s", got);
    free(got);
    buf_clear(&b);
}

/*
 * Against libxml2, the parser the framer used before: every element the real
 * test logs hold, and hand-made variations, give the same tree (or both
 * refuse it).
 */
#include <dirent.h>

#include <libxml/parser.h>

#include "ejlog.h"

struct ref_tree {
    struct stanza *stack[256];
    size_t depth;
    struct stanza *top[8]; /* top-level elements inside the stream */
    size_t ntop;
    bool error;
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
    else if (t->depth > 1)
        stanza_add_child(t->stack[t->depth - 1], s);
    else
        stanza_free(s); /* the stream header: only its context matters here */
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
}

static void
ref_text(void *ctx, const xmlChar *ch, int len)
{
    struct ref_tree *t = ctx;
    if (t->depth > 1 && len > 0)
        stanza_add_text(t->stack[t->depth - 1], (const char *)ch, (size_t)len);
}

static void
ref_error(void *ctx, const xmlError *e)
{
    struct ref_tree *t = ctx;
    if (e && e->level >= XML_ERR_ERROR)
        t->error = true;
}

#define REF_HEADER "<stream:stream xmlns='jabber:client' xmlns:stream='" STREAMS "'>"

/* libxml2's tree for |xml| inside the c2s header: "ok TREE", "many" or "error". */
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
    xmlParseChunk(ctxt, REF_HEADER, (int)strlen(REF_HEADER), 0);
    xmlParseChunk(ctxt, xml, (int)len, 0);
    bool complete = t.depth == 1; /* back inside the stream only */
    xmlFreeParserCtxt(ctxt);
    struct buf b = {0};
    if (t.error || !complete)
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

/* Ours in the same form; "ok" trees must match libxml2's, "error" must be an error too. */
static void
expect_as_libxml2(const char *xml, size_t len, const char *where)
{
    char *want = reference(xml, len);
    if (strcmp(want, "many") == 0) {
        free(want);
        return;
    }
    struct xml_scope sc = {0};
    client_scope(&sc);
    char err[160];
    struct stanza *s = xmlparse_element(xml, len, &sc, err, sizeof(err));
    struct buf b = {0};
    if (s) {
        buf_append_str(&b, "ok ");
        dump(&b, s);
    } else {
        buf_append_str(&b, "error");
    }
    cr_expect_str_eq(buf_str(&b), want, "%s: %.*s\nours:    %s (%s)\nlibxml2: %s", where,
                     (int)(len < 300 ? len : 300), xml, buf_str(&b), s ? "-" : err, want);
    stanza_free(s);
    buf_clear(&b);
    xml_scope_clear(&sc);
    free(want);
}

Test(xmlparse, same_trees_as_libxml2_on_every_element_of_the_test_logs)
{
    const char *top = getenv("TESTDATA");
    cr_assert_not_null(top, "TESTDATA is set by the test harness");
    DIR *d = opendir(top);
    cr_assert_not_null(d);
    size_t checked = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s/ejabberd.log", top, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        struct ejlog *r = ejlog_new();
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            ejlog_feed(r, chunk, n);
        ejlog_finish(r);
        fclose(f);
        struct ejlog_event ev;
        while (ejlog_next(r, &ev)) {
            if (ev.kind != EJ_XML || ev.truncated || !ev.len || ev.data[0] != '<')
                continue;
            if (ev.len >= 14 && (memcmp(ev.data, "<stream:stream", 14) == 0 ||
                                 memcmp(ev.data, "<?xml", 5) == 0 || memcmp(ev.data, "</", 2) == 0))
                continue;
            expect_as_libxml2(ev.data, ev.len, de->d_name);
            checked++;
        }
        ejlog_free(r);
    }
    closedir(d);
    cr_expect_gt(checked, 250, "elements checked: %zu", checked);
}

Test(xmlparse, same_verdicts_as_libxml2_on_odd_elements)
{
    static const char *const cases[] = {
        "<a/>", "<a></a>", "<a >x</a >", "<a\n\tb = 'c'\n/>", "<a b=\"'\" c='\"'/>",
        "<a>&lt;&gt;&amp;&quot;&apos;&#x10FFFF;&#1114111;</a>", "<a>&#x110000;</a>",
        "<a>&#xFFFE;</a>", "<a>&#9;&#10;&#13;</a>", "<a t='&#9;&#13;'/>", "<a>\t\n</a>",
        "<a><b/><b/>t<c>u</c>v</a>", "<x:a xmlns:x='u'><x:b/><b/></x:a>",
        "<a xmlns='u'><b xmlns=''/></a>", "<a xml:lang='en' xml:space='x'/>",
        "<a xmlns:p='u1'><p:b xmlns:p='u2' p:c='1'/></a>", "<a b='1' xmlns:p='u' p:b='2'/>",
        "<a>]]</a>", "<a>]</a>", "<a>]>]</a>", "<a><![CDATA[]]]]><![CDATA[>]]></a>",
        "<a><![CDATA[a\r\nb]]></a>", "<a>\r</a>", "<a t='\r'/>", "<a>\xc2\x80\xef\xbf\xbd</a>",
        "<a>\xef\xbf\xbe</a>", "<a>\xed\xa0\x80</a>", "<a>\xf4\x90\x80\x80</a>", "<a>\xc0\x80</a>",
        "<a>\x7f</a>", "<a>\x0b</a>", "<a>&#x;</a>", "<a>&#;</a>", "<a>&#-1;</a>",
        "<a>&foo;</a>", "<a>& b</a>", "<a t='&'/>", "<a t='a&#38;b'/>", "<a t='&amp;#38;'/>",
        "<a><!----></a>", "<a><!-- - --></a>", "<a><!---></a>", "<a><?p?></a>",
        "<a><?p x?></a>", "<a><?XmL x?></a>", "<a><?xml-stylesheet x?></a>", "<a>x</b>",
        "<a><b></b ></a>", "<a><b></ b></a>", "<a/ >", "<a b='1'c='2'/>", "<a:/>", "<:a/>",
        "<a xmlns:a=''/>", "<a xmlns=''/>", "<xmlns:a/>", "<a xmlns:xmlns='u'/>",
        "<a xmlns:p='http://www.w3.org/XML/1998/namespace'/>",
        "<a xmlns:xml='http://www.w3.org/XML/1998/namespace'/>", "<a-b.c_d/>", "<a\xc3\xa9/>",
        "<\xc3\xa9/>", "<a>&#x41;&#65;</a>", "<a t=''/>", "<a t='x\"y'/>", "<a><b>",
        "<a t='1' T='2'/>", "<a>text", "<a><b/></a>\n",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_as_libxml2(cases[i], strlen(cases[i]), "case");
}

/* n attributes a0='1' ... (and whatever |extra| adds) on one element, as libxml2 would see them. */
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

Test(xmlparse, duplicates_among_many_attributes_as_libxml2)
{
    /* past ATTR_SCAN the checks go through a hash table: the same verdicts as pair by pair */
    static const struct {
        const char *decls, *prefix, *extra;
    } cases[] = {
        {"", NULL, ""},
        {"", NULL, " a39='2'"},                                    /* the same name */
        {"", NULL, " a3='2' b='3'"},
        {"xmlns:p='u' xmlns:q='u'", "p", " q:a17='2'"},           /* same namespace, another prefix */
        {"xmlns:p='u' xmlns:q='v'", "p", " q:a17='2'"},           /* another namespace */
        {"xmlns:p='u'", "p", " a17='2'"},                         /* unprefixed: no namespace */
        {"xmlns:p='http://www.w3.org/XML/1998/namespace'", NULL, ""},
        {"xmlns:p='u' xmlns:q='u'", "p", " q:a0='2' r:x='1'"},   /* the first error wins */
        {"xmlns:p='u' xmlns:q='u'", "p", " r:x='1' q:a0='2'"},
        {"xmlns:p='u'", "p", " p:a5='2'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int n = 15; n <= 200; n += 185) {
            char *xml = many_attrs(cases[i].decls, n, cases[i].prefix, cases[i].extra);
            expect_as_libxml2(xml, strlen(xml), "many attributes");
            free(xml);
        }
    }
    char *xml = many_attrs("", 100, NULL, " a99='x'");
    char *got = parse(xml);
    cr_expect(strstr(got, "Attribute a99 redefined") != NULL, "%s", got);
    free(got);
    free(xml);
    xml = many_attrs("xmlns:p='u' xmlns:q='u'", 100, "p", " q:a42='x'");
    got = parse(xml);
    cr_expect(strstr(got, "Namespaced Attribute a42 redefined") != NULL, "%s", got);
    free(got);
    free(xml);
}

Test(xmlparse, many_namespace_declarations_resolve_as_few)
{
    /* 300 prefixes declared on the element, 300 attributes using them, a child redeclaring some */
    struct buf b = {0};
    buf_append_str(&b, "<a");
    for (int i = 0; i < 300; i++)
        buf_printf(&b, " xmlns:p%d='urn:%d'", i, i);
    for (int i = 0; i < 300; i++)
        buf_printf(&b, " p%d:x='%d'", i, i);
    buf_append_str(&b, "><p7:b xmlns:p7='urn:seven' p3:y='1'/><p7:c/></a>");
    char *got = parse(buf_str(&b));
    cr_expect(strstr(got, " p0:x{urn:0}=0 ") != NULL, "%.200s", got);
    cr_expect(strstr(got, " p299:x{urn:299}=299 (") != NULL, "%.200s", got);
    cr_expect(strstr(got, "(p7:b{urn:seven} p3:y{urn:3}=1, p7:c{urn:7})") != NULL, "%s",
              got + strlen(got) - 80);
    expect_as_libxml2(buf_str(&b), b.len, "300 declarations");
    free(got);
    buf_clear(&b);
}
