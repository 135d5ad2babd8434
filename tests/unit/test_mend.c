/* test_mend: elements cut by a capture gap, made to parse again from what was seen whole. */
#include <config.h>

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mend.h"

#define SASL "urn:ietf:params:xml:ns:xmpp-sasl"

/* mend_start_tag() on |before| and |after| (strings), with a hole of |hole| bytes. */
static void
expect_tag(const char *before, const char *after, size_t hole, bool lost_gt, const char *want,
           bool want_empty)
{
    struct buf out = {0};
    bool empty = mend_start_tag(before, strlen(before), after, strlen(after), hole, lost_gt, &out);
    cr_expect_str_eq(buf_str(&out), want, "[%s] + %zu + [%s]", before, hole, after);
    cr_expect_eq(empty, want_empty, "[%s] + %zu + [%s]: empty", before, hole, after);
    buf_clear(&out);
}

Test(mend, attributes_seen_whole_on_both_sides_are_kept)
{
    expect_tag("<a x='1' y='2", "3' z='4'", 4, false, "<a x='1' z='4'>", false);
    expect_tag("<a x='1'", " z=\"4\" w='5'/", 9, false, "<a x='1' z=\"4\" w='5'/>", true);
    /* the hole ended inside a value with spaces: the attributes after its closing quote */
    expect_tag("<a x='", "b c' z='4'", 3, false, "<a z='4'>", false);
    /* a namespace declaration after the hole may be a child's (the hole took '>' and '<bind') */
    expect_tag("<iq type='result' id='f5", " xmlns='urn:ietf:params:xml:ns:xmpp-bind' x='1'", 7, false,
               "<iq type='result' x='1'>", false);
    /* an attribute it has already (of another element whose '<' the hole took): once */
    expect_tag("<a to='x' i", "d' to='y' z='1'", 3, false, "<a to='x' z='1'>", false);
    /* nothing whole after the hole */
    expect_tag("<a x='1' y", "lue'", 5, false, "<a x='1'>", false);
}

Test(mend, a_lost_closing_bracket_gives_an_empty_element)
{
    expect_tag("<a x='1' y='2", "", 3, true, "<a x='1'/>", true);
}

Test(mend, a_cut_default_namespace_is_filled_in_when_exactly_one_fits)
{
    /* 9 bytes of the SASL namespace */
    expect_tag("<success xmlns='urn:i", "s:xml:ns:xmpp-sasl'/", 9, false,
               "<success xmlns='" SASL "'/>", true);
    expect_tag("<auth xmlns=\"u", ":params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\"", 7, false,
               "<auth xmlns=\"" SASL "\" mechanism=\"PLAIN\">", false);
    /* the right bytes, the wrong length: nothing is filled in */
    expect_tag("<success xmlns='urn:i", "s:xml:ns:xmpp-sasl'/", 8, false, "<success/>", true);
    /* no bytes after the hole tell sasl from bind: neither */
    expect_tag("<a xmlns='urn:ietf:params:xml:ns:xmpp-", " x='1'", 5, false, "<a x='1'>", false);
    /* the number of bytes missing unknown: never */
    expect_tag("<success xmlns='urn:i", "s:xml:ns:xmpp-sasl'/", 0, false, "<success/>", true);
}

Test(mend, a_cut_attribute_name_is_filled_in_when_its_value_is_whole)
{
    expect_tag("<auth xmlns='" SASL "' me", "=\"PLAIN\"", 7, false,
               "<auth xmlns='" SASL "' mechanism=\"PLAIN\">", false);
    /* "to" and "id" have the same length: no sure name */
    expect_tag("<iq ", "='x' type='get'", 2, false, "<iq type='get'>", false);
    /* the value began in the hole: not whole, left out */
    expect_tag("<auth me", "AIN'", 10, false, "<auth>", false);
}

Test(mend, close_adds_an_end_tag_for_each_open_element)
{
    const char bytes[] = "<iq type='set'><x/><bind xmlns='b'><resource>";
    size_t open_at[] = {0, 0, 19, 35};
    struct buf out = {0};
    mend_close(bytes, strlen(bytes), open_at, 3, &out);
    cr_expect_str_eq(buf_str(&out), "<iq type='set'><x/><bind xmlns='b'><resource></resource></bind></iq>");
    buf_clear(&out);
    mend_close(bytes, 15, open_at, 1, &out);
    cr_expect_str_eq(buf_str(&out), "<iq type='set'></iq>");
    buf_clear(&out);
}
