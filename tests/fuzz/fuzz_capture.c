/*
 * fuzz_capture: the whole capture path, bytes in, report out: source
 * (gunzip, detection), libpcap or the pcapng reader, link/IP/TCP decoding,
 * reassembly, TLS records, framer, login machine and a writer, in one
 * process (fuzz_run.c). An input that starts like a capture (pcap in either
 * byte order and resolution, pcapng, gzip) is the file as it is; anything
 * else is taken as packet records behind a pcap file header (Ethernet, µs),
 * so the mutations that matter, those of the records, need no valid header.
 * Seeds: testdata's captures, whole and as records only (seeds.sh).
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_run.h"
#include "xalloc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_run_init();
    return 0;
}

static int
starts_like_a_capture(const uint8_t *d, size_t n)
{
    static const uint8_t magics[][4] = {
        {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, /* pcap, µs */
        {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, /* pcap, ns */
        {0x0a, 0x0d, 0x0d, 0x0a},                           /* pcapng section header */
    };
    if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
        return 1; /* gzip */
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (n >= 4 && memcmp(d, magics[i], 4) == 0)
            return 1;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (starts_like_a_capture(data, size)) {
        fuzz_run(data, size, INPUT_UNKNOWN);
        return 0;
    }
    /* pcap file header, little-endian: v2.4, snaplen 262144, LINKTYPE_ETHERNET */
    static const uint8_t header[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                       0,    0,    0,    0,    0, 0, 4, 0, 1, 0, 0, 0};
    uint8_t *file = xmalloc(sizeof header + size);
    memcpy(file, header, sizeof header);
    if (size)
        memcpy(file + sizeof header, data, size);
    fuzz_run(file, sizeof header + size, INPUT_UNKNOWN);
    free(file);
    return 0;
}
