/* Tests for bosh: the <body/> wrapper's attributes and the stream headers it stands for. */
#include <config.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bosh.h"
#include "framer.h"
#include "phase.h"

/* The tree the framer makes of |xml| (one element); freed with the framer. */
static const struct stanza *
parse(struct framer *f, const char *xml)
{
    framer_feed(f, xml, strlen(xml));
    struct frame fr;
    while (framer_next(f, &fr))
        if (fr.kind == FRAME_ELEMENT)
            return fr.el;
    return NULL;
}

Test(bosh, a_creation_request_gives_its_attributes)
{
    struct framer *f = framer_new("client", NULL);
    const struct stanza *el = parse(
        f, "<body rid='2127078' content='text/xml; charset=utf-8' hold='1' to='xmppflow.test' "
           "ver='1.6' wait='5' xml:lang='en' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh' "
           "xmlns='http://jabber.org/protocol/httpbind'></body>");
    cr_assert(bosh_is_body(el));
    struct bosh_body b;
    bosh_read_body(el, &b);
    cr_assert_null(b.sid);
    cr_assert(b.has_rid && !b.rid_bad);
    cr_assert_eq(b.rid, 2127078);
    cr_assert_str_eq(b.to, "xmppflow.test");
    cr_assert_str_eq(b.lang, "en");
    cr_assert_str_eq(b.xmpp_version, "1.0");
    cr_assert_str_eq(b.content, "text/xml; charset=utf-8");
    cr_assert_eq(b.hold, 1);
    cr_assert_eq(b.wait, 5);
    cr_assert_eq(b.requests, -1);
    cr_assert(!b.restart && !b.terminate);
    struct stanza *h = bosh_stream_header(&b, false);
    cr_assert(stanza_is(h, "stream", NS_STREAM));
    cr_assert_str_eq(stanza_attr(h, "to", NULL), "xmppflow.test");
    cr_assert_str_eq(stanza_attr(h, "version", NULL), "1.0");
    cr_assert_str_eq(stanza_attr(h, "lang", NULL), "en");
    stanza_free(h);
    framer_free(f);
}

Test(bosh, the_creation_answer_gives_the_server_header)
{
    struct framer *f = framer_new("server", NULL);
    const struct stanza *el = parse(
        f, "<body xmpp:version='1.0' authid='3320118175591567921' "
           "xmlns='http://jabber.org/protocol/httpbind' sid='2f21556d27135dd99c3c41e12b68892d3fb64796' "
           "wait='5' ver='1.11' polling='2' inactivity='30' hold='1' xmpp:restartlogic='true' "
           "requests='2' secure='true' maxpause='120' xmlns:xmpp='urn:xmpp:xbosh' "
           "xmlns:stream='http://etherx.jabber.org/streams' from='xmppflow.test'>"
           "<stream:features/></body>");
    struct bosh_body b;
    bosh_read_body(el, &b);
    cr_assert_str_eq(b.sid, "2f21556d27135dd99c3c41e12b68892d3fb64796");
    cr_assert(b.restart_logic);
    cr_assert_eq(b.requests, 2);
    cr_assert_eq(b.inactivity, 30);
    cr_assert_eq(b.maxpause, 120);
    cr_assert_eq(b.polling, 2);
    cr_assert_eq(b.nchildren, 1);
    cr_assert(stanza_is(el->children[0], "features", NS_STREAM), "the prefix declared on <body/>");
    struct stanza *h = bosh_stream_header(&b, true);
    cr_assert_str_eq(stanza_attr(h, "from", NULL), "xmppflow.test");
    cr_assert_str_eq(stanza_attr(h, "id", NULL), "3320118175591567921");
    cr_assert_null(stanza_attr(h, "to", NULL));
    stanza_free(h);
    framer_free(f);
}

Test(bosh, restart_and_terminate_are_read_with_their_namespace)
{
    struct framer *f = framer_new("client", NULL);
    struct bosh_body b;
    bosh_read_body(parse(f, "<body rid='5' sid='s' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh' "
                            "xmlns='http://jabber.org/protocol/httpbind'/>"),
                   &b);
    cr_assert(b.restart);
    bosh_read_body(parse(f, "<body rid='6' sid='s' restart='true' "
                            "xmlns='http://jabber.org/protocol/httpbind'/>"),
                   &b);
    cr_assert(!b.restart, "restart outside urn:xmpp:xbosh is not XEP-0206's");
    bosh_read_body(parse(f, "<body type='terminate' condition='item-not-found' "
                            "xmlns='http://jabber.org/protocol/httpbind'/>"),
                   &b);
    cr_assert(b.terminate);
    cr_assert_str_eq(b.condition, "item-not-found");
    cr_assert(!b.has_rid);
    framer_free(f);
}

Test(bosh, a_rid_is_a_number_from_1_to_2_53_minus_1)
{
    static const struct {
        const char *rid;
        bool bad;
    } cases[] = {
        {"1", false},   {"9007199254740991", false}, {"9007199254740992", true},
        {"0", true},    {"-5", true},                {"12a", true},
        {"", true},     {"99999999999999999999", true},
    };
    struct framer *f = framer_new("client", NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char xml[160];
        snprintf(xml, sizeof xml, "<body rid='%s' xmlns='http://jabber.org/protocol/httpbind'/>",
                 cases[i].rid);
        struct bosh_body b;
        bosh_read_body(parse(f, xml), &b);
        cr_assert(b.has_rid);
        cr_assert_eq(b.rid_bad, cases[i].bad, "rid '%s'", cases[i].rid);
    }
    framer_free(f);
}

Test(bosh, only_a_body_in_the_httpbind_namespace_is_a_wrapper)
{
    struct framer *f = framer_new("client", NULL);
    cr_assert(!bosh_is_body(parse(f, "<body xmlns='jabber:client'>hi</body>")));
    cr_assert(!bosh_is_body(parse(f, "<message xmlns='http://jabber.org/protocol/httpbind'/>")));
    cr_assert(!bosh_is_body(NULL));
    framer_free(f);
}
