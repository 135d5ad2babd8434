/*
 * ws_shape: whether one WebSocket text message is what RFC 7395 §3.3.3
 * wants: one whole XML element, its first byte '<'. An XML declaration
 * before the element is let pass (§3.3.3 only does not recommend it), and
 * so is whitespace after it. A light scan of its own (tags, quoted
 * attribute values, comments, CDATA, processing instructions): the framer
 * reads the XML itself; this only counts top-level elements, per message,
 * which the framer never sees apart.
 */
#ifndef XMPPFLOW_WS_SHAPE_H
#define XMPPFLOW_WS_SHAPE_H

#include <stddef.h>
#include <stdint.h>

enum ws_shape {
    WS_SHAPE_ONE_ELEMENT,
    WS_SHAPE_WHITESPACE, /* whitespace only (RFC 7395 §3.8: no whitespace keepalives) */
    WS_SHAPE_OTHER,      /* two elements, text, an element cut short, nothing */
};

/* The shape of the |n| bytes at |p|; |why| gets what is wrong ("" when nothing). */
enum ws_shape ws_message_shape(const uint8_t *p, size_t n, char *why, size_t whylen);

#endif
