/* xalloc: allocation that never returns NULL (out of memory aborts). */
#ifndef XMPPFLOW_XALLOC_H
#define XMPPFLOW_XALLOC_H

#include <stddef.h>

/*
 * Each behaves like its libc namesake but prints "xmppflow: out of memory"
 * and aborts instead of returning NULL, so callers never check.
 * xstrdup(NULL) and xstrndup(NULL, n) return NULL.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows |p| to hold |count| items of |size| bytes, checking for overflow. */
void *xreallocarray(void *p, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a freshly allocated printf-formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Room for element |n| of an array of |n| elements of |size| bytes that grows
 * one at a time: reallocates only when |n| is 0 or a power of two from 4 on
 * (capacity max(4, next power of two)), so appending n elements costs log n
 * reallocations instead of n. Only for arrays that never shrink and are only
 * grown through this function.
 */
void *xgrow(void *p, size_t n, size_t size);

#endif
