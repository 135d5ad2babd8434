/*
 * violations-doc: writes docs/violations.md from the table of checks to
 * standard output (make update-violations-doc; tests/e2e/violations-doc.sh).
 */
#include <config.h>

#include <stdio.h>

#include "checks.h"

int
main(void)
{
    checks_write_markdown(stdout);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
