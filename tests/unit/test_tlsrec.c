/* Tests for tlsrec: TLS record boundaries, ClientHello SNI/ALPN, handshake end. */
#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "tlsrec.h"

static void
put16(struct buf *b, unsigned v)
{
    buf_append_char(b, (char)(v >> 8));
    buf_append_char(b, (char)v);
}

static void
put24(struct buf *b, unsigned v)
{
    buf_append_char(b, (char)(v >> 16));
    put16(b, v & 0xffff);
}

/* A record of |type| holding |body|. */
static void
record(struct buf *out, unsigned type, const struct buf *body)
{
    buf_append_char(out, (char)type);
    put16(out, 0x0303);
    put16(out, (unsigned)body->len);
    buf_append(out, body->data, body->len);
}

/* A ClientHello handshake message with SNI |sni| and ALPN "xmpp-client". */
static void
client_hello(struct buf *hs, const char *sni)
{
    struct buf body = {0}, ext = {0}, e = {0};
    put16(&body, 0x0303);
    for (int i = 0; i < 32; i++)
        buf_append_char(&body, (char)i);
    buf_append_char(&body, 0); /* session id */
    put16(&body, 2);
    put16(&body, 0x1301);
    buf_append_char(&body, 1);
    buf_append_char(&body, 0);
    /* server_name (RFC 6066 §3) */
    put16(&e, (unsigned)strlen(sni) + 3);
    buf_append_char(&e, 0);
    put16(&e, (unsigned)strlen(sni));
    buf_append_str(&e, sni);
    put16(&ext, 0);
    put16(&ext, (unsigned)e.len);
    buf_append(&ext, e.data, e.len);
    buf_reset(&e);
    /* ALPN (RFC 7301 §3.1) */
    put16(&e, 12 + 1);
    buf_append_char(&e, 11);
    buf_append_str(&e, "xmpp-client");
    put16(&ext, 16);
    put16(&ext, (unsigned)e.len);
    buf_append(&ext, e.data, e.len);
    put16(&body, (unsigned)ext.len);
    buf_append(&body, ext.data, ext.len);
    buf_append_char(hs, 1);
    put24(hs, (unsigned)body.len);
    buf_append(hs, body.data, body.len);
    buf_clear(&body);
    buf_clear(&ext);
    buf_clear(&e);
}

static void
server_hello_13(struct buf *hs)
{
    struct buf body = {0};
    put16(&body, 0x0303);
    for (int i = 0; i < 32; i++)
        buf_append_char(&body, (char)(i + 1));
    buf_append_char(&body, 0);
    put16(&body, 0x1301);
    buf_append_char(&body, 0);
    put16(&body, 6);
    put16(&body, 43); /* supported_versions */
    put16(&body, 2);
    put16(&body, 0x0304);
    buf_append_char(hs, 2);
    put24(hs, (unsigned)body.len);
    buf_append(hs, body.data, body.len);
    buf_clear(&body);
}

struct flight {
    int dir;
    struct buf bytes;
};

/* A TLS 1.3 handshake with middlebox-compatible ChangeCipherSpec records. */
static size_t
tls13_flights(struct flight f[3])
{
    struct buf hs = {0}, one = {0};
    memset(f, 0, 3 * sizeof *f);
    client_hello(&hs, "xmppflow.test");
    f[0].dir = 0;
    record(&f[0].bytes, 22, &hs);
    buf_reset(&hs);
    server_hello_13(&hs);
    f[1].dir = 1;
    record(&f[1].bytes, 22, &hs);
    buf_append_char(&one, 1);
    record(&f[1].bytes, 20, &one);
    buf_reset(&hs);
    buf_append_str(&hs, "encrypted extensions, certificate, finished");
    record(&f[1].bytes, 23, &hs);
    f[2].dir = 0;
    record(&f[2].bytes, 20, &one);
    buf_reset(&hs);
    buf_append_str(&hs, "client finished");
    record(&f[2].bytes, 23, &hs);
    buf_clear(&hs);
    buf_clear(&one);
    return 3;
}

struct seen {
    bool hello, established, alert, not_tls;
    char sni[64], alpn[64];
    unsigned version;
    size_t established_flight;
};

static void
drain(struct tlsrec *t, struct seen *s, size_t flight)
{
    struct tlsrec_event ev;
    while (tlsrec_next(t, &ev)) {
        if (ev.kind == TLSREC_CLIENT_HELLO) {
            s->hello = true;
            snprintf(s->sni, sizeof s->sni, "%s", ev.sni ? ev.sni : "");
            snprintf(s->alpn, sizeof s->alpn, "%s", ev.alpn ? ev.alpn : "");
        } else if (ev.kind == TLSREC_ESTABLISHED) {
            s->established = true;
            s->version = ev.version;
            s->established_flight = flight;
        } else if (ev.kind == TLSREC_ALERT) {
            s->alert = true;
        } else {
            s->not_tls = true;
        }
    }
}

Test(tlsrec, finds_sni_alpn_and_the_end_of_a_tls13_handshake)
{
    struct flight f[3];
    size_t n = tls13_flights(f);
    struct tlsrec *t = tlsrec_new();
    struct seen s = {0};
    for (size_t i = 0; i < n; i++) {
        tlsrec_feed(t, f[i].dir, (const uint8_t *)f[i].bytes.data, f[i].bytes.len);
        drain(t, &s, i);
    }
    cr_expect(s.hello);
    cr_expect_str_eq(s.sni, "xmppflow.test");
    cr_expect_str_eq(s.alpn, "xmpp-client");
    cr_expect(s.established);
    cr_expect_eq(s.version, 0x0304);
    cr_expect_eq(s.established_flight, 2, "established once the client switched too");
    cr_expect_not(s.alert);
    cr_expect_not(s.not_tls);
    cr_expect(tlsrec_established(t));
    tlsrec_free(t);
    for (size_t i = 0; i < n; i++)
        buf_clear(&f[i].bytes);
}

Test(tlsrec, same_result_when_fed_byte_by_byte)
{
    struct flight f[3];
    size_t n = tls13_flights(f);
    struct tlsrec *t = tlsrec_new();
    struct seen s = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < f[i].bytes.len; k++) {
            tlsrec_feed(t, f[i].dir, (const uint8_t *)f[i].bytes.data + k, 1);
            drain(t, &s, i);
        }
    cr_expect_str_eq(s.sni, "xmppflow.test");
    cr_expect_str_eq(s.alpn, "xmpp-client");
    cr_expect(s.established);
    cr_expect_eq(s.established_flight, 2);
    tlsrec_free(t);
    for (size_t i = 0; i < n; i++)
        buf_clear(&f[i].bytes);
}

Test(tlsrec, an_alert_during_the_handshake_is_reported)
{
    struct flight f[3];
    tls13_flights(f);
    struct tlsrec *t = tlsrec_new();
    struct seen s = {0};
    tlsrec_feed(t, 0, (const uint8_t *)f[0].bytes.data, f[0].bytes.len);
    struct buf alert = {0}, body = {0};
    buf_append_char(&body, 2);
    buf_append_char(&body, 40); /* handshake_failure */
    record(&alert, 21, &body);
    tlsrec_feed(t, 1, (const uint8_t *)alert.data, alert.len);
    drain(t, &s, 1);
    cr_expect(s.alert);
    cr_expect_not(s.established);
    tlsrec_free(t);
    buf_clear(&alert);
    buf_clear(&body);
    for (size_t i = 0; i < 3; i++)
        buf_clear(&f[i].bytes);
}

Test(tlsrec, xml_where_tls_was_due_is_not_tls)
{
    struct tlsrec *t = tlsrec_new();
    struct seen s = {0};
    const char *xml = "<stream:stream to='x'>";
    tlsrec_feed(t, 0, (const uint8_t *)xml, strlen(xml));
    drain(t, &s, 0);
    cr_expect(s.not_tls);
    cr_expect_not(s.hello);
    tlsrec_free(t);
}

Test(tlsrec, garbage_and_huge_hellos_stay_bounded)
{
    struct tlsrec *t = tlsrec_new();
    struct seen s = {0};
    /* a handshake record announcing a 16 MB ClientHello, then the maximum record sizes */
    uint8_t hdr[9] = {22, 3, 3, 0x40, 0x00, 1, 0xff, 0xff, 0xff};
    tlsrec_feed(t, 0, hdr, sizeof hdr);
    static uint8_t junk[16384];
    memset(junk, 0xaa, sizeof junk);
    for (int i = 0; i < 200; i++)
        tlsrec_feed(t, 0, junk, sizeof junk);
    drain(t, &s, 0);
    cr_expect(s.not_tls || s.hello, "the oversized hello ends in a verdict, not in buffering");
    tlsrec_free(t);
}

Test(tlsrec, recognises_a_client_hello_start)
{
    struct buf hs = {0}, rec = {0};
    client_hello(&hs, "a");
    record(&rec, 22, &hs);
    cr_expect(tlsrec_looks_like_client_hello((const uint8_t *)rec.data, rec.len));
    cr_expect_not(tlsrec_looks_like_client_hello((const uint8_t *)"<?xml ver", 9));
    cr_expect_not(tlsrec_looks_like_client_hello((const uint8_t *)rec.data, 5));
    buf_clear(&hs);
    buf_clear(&rec);
}

Test(tlsrec, alpn_has_names_a_whole_protocol_of_the_list)
{
    cr_assert(tlsrec_alpn_has("xmpp-client", "xmpp-client"));
    cr_assert(tlsrec_alpn_has("h2,http/1.1", "http/1.1"));
    cr_assert(tlsrec_alpn_has("h2,http/1.1", "h2"));
    cr_assert(!tlsrec_alpn_has("h2c,http/1.0", "h2"), "a prefix of another protocol");
    cr_assert(!tlsrec_alpn_has("xh2", "h2"), "a suffix of another protocol");
    cr_assert(!tlsrec_alpn_has(NULL, "h2"));
}
