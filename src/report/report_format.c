/* report_format: how the writers spell numbers and walk text (see the header). */
#include <config.h>
#include "report_format.h"

double
report_round_ms(double ms)
{
    /* Avoid round() so the library does not need libm. */
    if (!(ms >= 0) || ms >= 9e12)
        return ms;
    return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}
