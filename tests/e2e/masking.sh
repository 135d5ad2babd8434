#!/bin/sh
# masking.sh: secrets are hidden whatever the parser understood (issue 11 §1).
# The inputs are hand-made debug-log lines (a real server would not send
# them like this): a BOSH <body> around an <auth>, an unknown wrapper around
# a <password>, malformed XML that ends as an xml-error excerpt, text outside
# elements, an HTTP Authorization header. Every format and standard error
# must show none of the secrets; with --show-secrets they come back.
. "$(dirname "$0")/lib.sh"

# base64 of "\0bob\0Builder-Secret-2" and of "\0carol\0Carol-Register-4"
plain_bob=AGJvYgBCdWlsZGVyLVNlY3JldC0y
plain_carol=AGNhcm9sAENhcm9sLVJlZ2lzdGVyLTQ=
secrets="Builder-Secret-2 Carol-Register-4 Dave-Register-5 YWxpY2U6c2VjcmV0 $plain_bob $plain_carol"

log=$T/handmade-unparsed-secrets.log
head -n 13 "$TESTDATA/legacy-auth-no-tls/ejabberd.log" >"$log"
line() {
    printf '2026-11-25 14:49:31.%06d+00:00 [notice] <0.520.0> (tcp|<0.520.0>) Received XML on stream = <<"%s">>\n' "$1" "$2" >>"$log"
}
line 100001 "<body rid='5' xmlns='http://jabber.org/protocol/httpbind'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>$plain_bob</auth></body>"
line 100002 "<wrapper xmlns='urn:example'><inner><password>Dave-Register-5</password></inner></wrapper>"
line 100003 "<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>dave</username><password>Dave-Register-5</password><bad <x/></query></iq>"
line 100004 "$plain_carol"
line 100005 "<x xmlns='jabber:x:data' type='submit'><field var='password'><value>Carol-Register-4</value></field></x>"
line 100006 "POST /bosh HTTP/1.1 Authorization: Basic YWxpY2U6c2VjcmV0"

for fmt in text json jsonl; do
    xf "m-$fmt" -f "$fmt" "$log"
    leaked=
    for s in $secrets; do
        if grep -qF -- "$s" "$T/m-$fmt.out" "$T/m-$fmt.err"; then leaked="$leaked $s"; fi
    done
    is "$leaked" "" "$fmt: no secret of the unparsed elements is shown"
    check "$fmt: the report still shows the elements (masked)" grep -q 'hidden' "$T/m-$fmt.out"
done

xf shown -f json --show-secrets "$log"
check "--show-secrets: the BOSH payload is shown" grep -qF "$plain_bob" "$T/shown.out"

# An input error that quotes the input goes through the same step on stderr.
bad=$T/handmade-secret-in-error.log
printf 'Authorization: Basic YWxpY2U6c2VjcmV0 <password>Dave-Register-5</password>\n' >"$bad"
xf err "$bad"
leaked=
for s in $secrets; do
    if grep -qF -- "$s" "$T/err.out" "$T/err.err"; then leaked="$leaked $s"; fi
done
is "$leaked" "" "an unrecognised input's message shows no secret"

done_testing
