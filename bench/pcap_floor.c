/* pcap_floor.c: the floor for reading a capture: pcap_open_offline() and a
 * pcap_next_ex() loop that only counts packets and captured bytes. Whatever a
 * capture analyser does costs at least this much.
 *
 *   cc -O2 -o pcap_floor bench/pcap_floor.c -lpcap
 *   ./pcap_floor FILE     prints "PACKETS packets, BYTES bytes"
 */
#include <pcap/pcap.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long packets = 0, bytes = 0, sum = 0;
    pcap_t *p;
    int r;

    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "%s: %s\n", argv[1], errbuf);
        return 1;
    }
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
        if (h->caplen > 0)
            sum += data[h->caplen - 1]; /* touch the data, as a reader would */
    }
    if (r == PCAP_ERROR)
        fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(p));
    pcap_close(p);
    printf("%llu packets, %llu bytes (%llu)\n", packets, bytes, sum);
    return r == PCAP_ERROR;
}
