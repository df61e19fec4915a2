/*
 * errmsg.c -- how the launcher's parsers and setup steps report a failure:
 * they format one message for the user into the caller's buffer and return
 * -1, and the caller prints it (options, hostfiles, mapping, binding, the
 * PMIx server all share this).
 */
#include <stdarg.h>
#include <stdio.h>

#include "launcher.h"

int lark_launcher_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
