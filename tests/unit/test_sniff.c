/* Tests for sniff: first bytes that are neither XML nor TLS nor HTTP (issue 13). */
#include <config.h>

#include <criterion/criterion.h>
#include <string.h>

#include "sniff.h"

static bool
not_xmpp(const char *s, size_t n)
{
    return sniff_not_xmpp((const uint8_t *)s, n);
}

#define NOT_XMPP(lit) not_xmpp(lit, sizeof lit - 1)

Test(sniff, xml_tls_and_http_are_not_another_protocol)
{
    cr_expect(!NOT_XMPP("<?xml version='1.0'?><stream:stream>"));
    cr_expect(!NOT_XMPP("\r\n  <stream:stream>"));
    cr_expect(!NOT_XMPP("\xef\xbb\xbf<stream:stream>"), "a byte order mark, then XML");
    cr_expect(!NOT_XMPP("\x16\x03\x01\x00\x2f\x01"), "a TLS handshake record");
    cr_expect(!NOT_XMPP("\x16"), "one byte of a TLS record");
    cr_expect(!NOT_XMPP("\x80\x2e\x01\x03\x01"), "an SSLv2-style ClientHello");
    cr_expect(!NOT_XMPP("POST /bosh HTTP/1.1\r\n"));
    cr_expect(!NOT_XMPP("GE"), "the start of a request line");
    cr_expect(!NOT_XMPP("  \r\n"), "whitespace alone decides nothing");
    cr_expect(!sniff_not_xmpp(NULL, 0));
}

Test(sniff, other_first_bytes_are_another_protocol)
{
    cr_expect(NOT_XMPP("\x00\x00\x00\x10\x01\x02"), "a length-prefixed binary message");
    cr_expect(NOT_XMPP("\x16\x01\x00"), "0x16 without a TLS version");
    cr_expect(NOT_XMPP("\x17\x03\x03\x00\x10"), "application data is no first record");
    cr_expect(NOT_XMPP("SSH-2.0-OpenSSH_9.2\r\n"));
    cr_expect(NOT_XMPP("hello"));
    cr_expect(NOT_XMPP(" {\"json\": 1}"));
}
