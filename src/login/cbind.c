/*
 * cbind: SCRAM -PLUS channel binding checked against the TLS session it is
 * bound to. With a key log the decrypted session gives the client Finished's
 * verify_data, the tls-unique data (RFC 5929 §3.1; ejabberd 23.01 and slixmpp
 * take it under TLS 1.3 too); the client-final's c= must carry it. Without
 * keys nothing is known and the attempt says nothing.
 */
#include <config.h>
#include "login_impl.h"

#include <string.h>

#include "sasl.h"

void
cbind_response(struct login *l, const struct stanza *el, unsigned seq)
{
    (void)seq;
    struct attempt *a = l->cur;
    /* the client-final follows a client-first that asked for tls-unique */
    if (!a || !l->cur_decoded || a->cb_type[0] || !l->tls_unique_len || strcmp(l->cbflag, "p=tls-unique") != 0)
        return;
    int r = sasl_scram_cb_check(el->text, el->text_len, l->tls_unique, l->tls_unique_len);
    if (r < 0)
        return;
    strcpy(a->cb_type, "tls-unique");
    a->cb_verified = r == 1;
}
