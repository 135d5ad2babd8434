/*
 * stack_layers: the layer kinds a connection's stack is built from. A new
 * layer is its own file and one line here.
 */
#include <config.h>
#include "stack.h"

#include "first_bytes.h"
#include "http.h"
#include "tls_watch.h"
#include "websocket.h"

const struct layer_kind *const stack_builtin_layers[] = {
    &first_bytes_layer,
    &tls_watch_layer,
    &http_layer,
    &websocket_layer,
    NULL,
};
