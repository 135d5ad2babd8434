/* test_filter: --user and --client values, refused or matched. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "filter.h"

/* A session with just what the filters look at (borrowed strings). */
static struct session
session(const char *user, const char *jid, const char *domain, const char *client)
{
    struct session s = {0};
    s.user = (char *)user;
    s.jid = (char *)jid;
    s.domain = (char *)domain;
    s.client = (char *)client;
    return s;
}

Test(filter, no_filter_keeps_all)
{
    struct filter *f = filter_new();
    struct session s = session(NULL, NULL, NULL, NULL);
    cr_assert(filter_keep(f, &s));
    cr_assert(filter_keep(NULL, &s));
    filter_free(f);
}

Test(filter, refused_users)
{
    static const char *const bad[] = {"", "alice/phone", "alice@example.org/phone", "@example.org",
                                      "alice@", "a@b@c"};
    struct filter *f = filter_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_not_null(filter_add_user(f, bad[i]), "'%s' is refused", bad[i]);
    /* nothing was added: every session still passes */
    struct session s = session("bob", NULL, NULL, NULL);
    cr_assert(filter_keep(f, &s));
    filter_free(f);
}

Test(filter, user_is_the_local_part)
{
    struct filter *f = filter_new();
    cr_assert_null(filter_add_user(f, "alice"));
    struct session a = session("alice", "alice@example.org/res", "example.org", NULL);
    struct session b = session("bob", "bob@example.org/res", "example.org", NULL);
    struct session none = session(NULL, NULL, "example.org", NULL);
    struct session jid_only = session(NULL, "alice@example.org/res", NULL, NULL);
    cr_expect(filter_keep(f, &a));
    cr_expect_not(filter_keep(f, &b));
    cr_expect_not(filter_keep(f, &none));
    cr_expect(filter_keep(f, &jid_only), "the bound JID's local part counts when there is no user");
    filter_free(f);
}

Test(filter, user_at_domain_is_the_bare_jid)
{
    struct filter *f = filter_new();
    cr_assert_null(filter_add_user(f, "alice@Example.ORG"));
    struct session jid = session("alice", "alice@example.org/res", NULL, NULL);
    struct session stream = session("alice", NULL, "example.org", NULL);
    struct session other = session("alice", "alice@other.org/res", "other.org", NULL);
    struct session nodomain = session("alice", NULL, NULL, NULL);
    struct session bob = session("bob", "bob@example.org/res", "example.org", NULL);
    cr_expect(filter_keep(f, &jid), "the domain is compared without case");
    cr_expect(filter_keep(f, &stream), "without a bound JID, the stream's domain");
    cr_expect_not(filter_keep(f, &other));
    cr_expect_not(filter_keep(f, &nodomain));
    cr_expect_not(filter_keep(f, &bob));
    filter_free(f);
}

Test(filter, repeated_user_is_any_of_them)
{
    struct filter *f = filter_new();
    cr_assert_null(filter_add_user(f, "alice"));
    cr_assert_null(filter_add_user(f, "bob@example.org"));
    struct session a = session("alice", NULL, "example.org", NULL);
    struct session b = session("bob", NULL, "example.org", NULL);
    struct session c = session("carol", NULL, "example.org", NULL);
    cr_expect(filter_keep(f, &a));
    cr_expect(filter_keep(f, &b));
    cr_expect_not(filter_keep(f, &c));
    filter_free(f);
}

Test(filter, refused_clients)
{
    static const char *const bad[] = {"", "127.0.0", "127.0.0.1:5222", "[::1]:5222", "::1:",
                                      "localhost", "1.2.3.4/24", "fe80::1%eth0", "[::1",
                                      "256.1.1.1", "1.2.3.4:"};
    struct filter *f = filter_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_not_null(filter_add_client(f, bad[i]), "'%s' is refused", bad[i]);
    cr_expect_not_null(strstr(filter_add_client(f, "127.0.0.1:5222"), "port"),
                       "an address with a port is named as such");
    filter_free(f);
}

Test(filter, client_addresses_compare_as_addresses)
{
    struct filter *f = filter_new();
    cr_assert_null(filter_add_client(f, "0:0::1"));
    cr_assert_null(filter_add_client(f, "192.0.2.7"));
    struct session v6 = session(NULL, NULL, NULL, "[::1]:43748");
    struct session v6bare = session(NULL, NULL, NULL, "::1");
    struct session v4 = session(NULL, NULL, NULL, "192.0.2.7:5000");
    struct session mapped = session(NULL, NULL, NULL, "[::ffff:192.0.2.7]:5000");
    struct session v4bare = session(NULL, NULL, NULL, "192.0.2.7");
    struct session other = session(NULL, NULL, NULL, "192.0.2.70:5000");
    struct session none = session(NULL, NULL, NULL, NULL);
    cr_expect(filter_keep(f, &v6));
    cr_expect(filter_keep(f, &v6bare));
    cr_expect(filter_keep(f, &v4));
    cr_expect(filter_keep(f, &mapped), "an IPv4-mapped IPv6 address is that IPv4 address");
    cr_expect(filter_keep(f, &v4bare));
    cr_expect_not(filter_keep(f, &other), "not a prefix match");
    cr_expect_not(filter_keep(f, &none));
    filter_free(f);
}

Test(filter, bracketed_client_and_both_kinds)
{
    struct filter *f = filter_new();
    cr_assert_null(filter_add_client(f, "[2001:db8::1]"));
    cr_assert_null(filter_add_user(f, "alice"));
    struct session yes = session("alice", NULL, NULL, "[2001:db8:0::1]:1234");
    struct session wrong_user = session("bob", NULL, NULL, "[2001:db8::1]:1234");
    struct session wrong_client = session("alice", NULL, NULL, "[2001:db8::2]:1234");
    cr_expect(filter_keep(f, &yes));
    cr_expect_not(filter_keep(f, &wrong_user), "both kinds must match");
    cr_expect_not(filter_keep(f, &wrong_client));
    filter_free(f);
}
