/* session: a login keeps the connections it used apart from itself. */
#include <config.h>
#include <criterion/criterion.h>
#include <string.h>

#include "session.h"

Test(session, a_session_lists_its_connections_in_order)
{
    struct session s = {0};
    session_add_connection(&s, "127.0.0.1:40000-127.0.0.1:5280");
    session_connection_endpoints(&s, "127.0.0.1:40000", "127.0.0.1:5280");
    /* a BOSH session's second TCP connection, under the same sid */
    struct connection *k = session_add_connection(&s, "127.0.0.1:40002-127.0.0.1:5280");
    cr_assert_null(k->client);
    cr_assert_null(k->server);
    session_connection_endpoints(&s, "127.0.0.1:40002", "127.0.0.1:5280");
    cr_assert_eq(s.nconnections, 2);
    cr_assert_str_eq(s.connections[0].key, "127.0.0.1:40000-127.0.0.1:5280");
    cr_assert_str_eq(s.connections[0].client, "127.0.0.1:40000");
    cr_assert_str_eq(s.connections[1].client, "127.0.0.1:40002");
    cr_assert_str_eq(s.connections[1].server, "127.0.0.1:5280");
    session_clear(&s);
}

Test(session, endpoints_without_a_connection_are_ignored)
{
    struct session s = {0};
    session_connection_endpoints(&s, "1.2.3.4:5", "6.7.8.9:5222");
    cr_assert_eq(s.nconnections, 0);
    /* a log's c2s process: its address comes later, or never */
    session_add_connection(&s, "<0.123.0>");
    cr_assert_null(s.connections[0].client);
    session_clear(&s);
}
