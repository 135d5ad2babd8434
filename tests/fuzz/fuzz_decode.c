/* fuzz_decode: arbitrary bytes as one packet of every supported link type. */
#include <config.h>

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int linktypes[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL,
                                    DLT_LOOP,   DLT_RAW,       DLT_IPV4,       DLT_IPV6};
    struct packet_info p;
    for (size_t i = 0; i < sizeof linktypes / sizeof linktypes[0]; i++)
        decode_packet(linktypes[i], data, size, &p);
    return 0;
}
