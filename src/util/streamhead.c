/* streamhead: stream headers recognised from their bytes (RFC 6120 §4.2). */
#include <config.h>
#include "streamhead.h"

#include <string.h>

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool
stream_name_is_header(const char *name, size_t len)
{
    const char *colon = len ? memrchr(name, ':', len) : NULL;
    const char *local = colon ? colon + 1 : name;
    size_t n = len - (size_t)(local - name);
    return n == 6 && memcmp(local, "stream", 6) == 0;
}

bool
stream_starts(const char *data, size_t len)
{
    while (len && is_ws(*data)) {
        data++;
        len--;
    }
    if (len >= 5 && memcmp(data, "<?xml", 5) == 0)
        return true;
    if (len < 2 || data[0] != '<')
        return false;
    size_t n = 1;
    while (n < len && !is_ws(data[n]) && data[n] != '>' && data[n] != '/')
        n++;
    /* the name must end inside |data|: a cut "<stream" may be "<streamfoo" */
    return n < len && stream_name_is_header(data + 1, n - 1);
}
