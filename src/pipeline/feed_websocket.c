/*
 * feed_websocket: what a capture's connection learns of XMPP over
 * WebSocket from its stack (feed.h): the http layer's accepted Upgrade, and
 * the websocket layer's notes, handed to the framers and the login.
 */
#include <config.h>
#include "feed.h"

#include <string.h>

#include "http.h"
#include "websocket.h"

/* The websocket layer's findings the login judges (J2, J3, J4, J11). */
static bool
ws_problem(enum websocket_note what, enum login_ws_problem *out)
{
    switch (what) {
    case WEBSOCKET_NOTE_BINARY: *out = LOGIN_WS_BINARY; return true;
    case WEBSOCKET_NOTE_NOT_ONE_ELEMENT: *out = LOGIN_WS_NOT_ONE_ELEMENT; return true;
    case WEBSOCKET_NOTE_WHITESPACE: *out = LOGIN_WS_WHITESPACE; return true;
    case WEBSOCKET_NOTE_MASKING: *out = LOGIN_WS_MASKING; return true;
    case WEBSOCKET_NOTE_CLOSE:
    case WEBSOCKET_NOTE_ERROR: break;
    }
    return false;
}

bool
websocket_noted(struct conn *c, const struct stack_note *note)
{
    if (strcmp(note->layer, "http") == 0 && note->what == HTTP_NOTE_UPGRADE) {
        /* RFC 7395 §3.3: no stream header on a WebSocket; each message is one element */
        const struct http_upgrade *up = note->info;
        framer_framed(c->framer[0]);
        framer_framed(c->framer[1]);
        login_ws_upgrade(c->login, note->time, up->requested_protocols, up->protocol, up->target);
        return true;
    }
    if (strcmp(note->layer, websocket_layer.name) != 0)
        return false;
    const struct websocket_info *info = note->info;
    char dir = note->dir ? 'S' : 'C';
    enum login_ws_problem problem;
    if (note->what == WEBSOCKET_NOTE_CLOSE)
        login_ws_close_frame(c->login, dir, note->time, info->code, info->reason);
    else if (ws_problem((enum websocket_note)note->what, &problem))
        login_ws_problem(c->login, dir, problem, info->message_number, info->message);
    else
        login_pseudo(c->login, EV_WS_ERROR, note->time, info->message);
    return true;
}
