/*
 * source: reads one input file (or standard input) as plain bytes, gunzipping
 * transparently, and tells what kind of input the first bytes look like.
 */
#ifndef XMPPFLOW_SOURCE_H
#define XMPPFLOW_SOURCE_H

#include <stddef.h>
#include <sys/types.h>

#include "input_info.h"

/*
 * Opens |path| ("-" = standard input). Returns NULL on failure with a
 * one-line reason in |errbuf|.
 */
struct source *source_open(const char *path, char *errbuf, size_t errlen);
/*
 * Reads up to |len| decompressed bytes into |buf|. Returns the count, 0 at
 * the end, or -1 on a read or decompression error (reason in |errbuf|; the
 * bytes before it were delivered).
 */
ssize_t source_read(struct source *src, char *buf, size_t len, char *errbuf, size_t errlen);
/*
 * Calls |fn|(|arg|) before each read that may block: when the input is not a
 * regular file (a pipe, a terminal, a socket). What was learnt from the bytes
 * so far can be pushed out then, for whoever follows a live run.
 */
void source_on_wait(struct source *src, void (*fn)(void *), void *arg);
/* Bytes read from the file as stored (before decompression). */
long long source_raw_bytes(const struct source *src);
/*
 * For a regular file stored as it is read (not gzip): a new descriptor of
 * it, at offset 0, for a reader that reads the whole file its own way
 * (libpcap through stdio: no copy through source_read). source_raw_bytes
 * then counts what that reader read. -1 when the input is not such a file;
 * the source is then read as before.
 */
int source_reopen_plain(struct source *src);
/* True when the input is not a regular file: what was read from it cannot be read again. */
bool source_is_live(const struct source *src);
/* NULL is fine. */
void source_close(struct source *src);

/*
 * Guesses the input type from its first |n| (decompressed) bytes: pcap and
 * pcapng by magic number, ejabberd-log by a record prefix within the first
 * lines. INPUT_UNKNOWN when it is neither.
 */
enum input_type source_detect(const char *head, size_t n);
/*
 * Says in a few words what the first |n| bytes are ("a pcap capture (magic
 * number a1b2c3d4)", "binary data (first bytes 7f 45 4c 46 ...)", "text, but
 * ..."), for messages about an input that is not what it should be. Never
 * quotes the content.
 */
void source_describe(const char *head, size_t n, char *out, size_t outlen);

#endif
