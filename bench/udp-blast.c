/* Sends UDP datagrams to HOST:PORT at RATE packets/s for SECONDS, in sendmmsg batches,
 * and prints how many were sent and the CPU seconds it used (user + system, which on loopback
 * include the kernel's delivery to the receiving socket). A C sender so that the traffic source is
 * not the bottleneck.
 * PAYLOAD is a size in octets (zero-filled datagrams) or the path of a file whose bytes make up
 * every datagram (e.g. a flow export). EXPORTERS (default 1) sockets take turns, socket i bound
 * to 127.0.1.<i+1>, so that a collector sees that many exporters (loopback HOST only). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) {
    fprintf(stderr, "usage: %s HOST PORT RATE SECONDS SIZE|FILE [EXPORTERS]\n", argv[0]);
    return 2;
  }
  const double rate = atof(argv[3]), seconds = atof(argv[4]);
  static char data[65536];
  int payload;
  if (strspn(argv[5], "0123456789") == strlen(argv[5])) {
    payload = atoi(argv[5]);
  } else {
    FILE *file = fopen(argv[5], "rb");
    if (!file) {
      perror(argv[5]);
      return 2;
    }
    payload = (int)fread(data, 1, sizeof data, file);
    fclose(file);
  }
  if (payload <= 0 || payload > (int)sizeof data) {
    fprintf(stderr, "bad payload %s\n", argv[5]);
    return 2;
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  inet_pton(AF_INET, argv[1], &to.sin_addr);
  enum { MAX_EXPORTERS = 250 };
  int exporters = argc == 7 ? atoi(argv[6]) : 1;
  if (exporters < 1 || exporters > MAX_EXPORTERS) {
    fprintf(stderr, "bad number of exporters %s\n", argv[6]);
    return 2;
  }
  int fds[MAX_EXPORTERS];
  for (int i = 0; i < exporters; i++) {
    fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
    if (exporters == 1) continue;
    struct sockaddr_in from = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000100 + i + 1)};
    if (bind(fds[i], (struct sockaddr *)&from, sizeof from) != 0) {
      perror("bind");
      return 2;
    }
  }
  int turn = 0;
  enum { BATCH = 32 };
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = data;
    iov[i].iov_len = payload;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
  }
  long sent = 0;
  const double start = now();
  for (;;) {
    double elapsed = now() - start;
    if (elapsed >= seconds) break;
    long due = (long)(elapsed * rate);
    if (sent >= due) {
      struct timespec pause = {0, 20000};
      nanosleep(&pause, NULL);
      continue;
    }
    int n = due - sent < BATCH ? (int)(due - sent) : BATCH;
    int r = sendmmsg(fds[turn], msgs, n, 0);
    turn = (turn + 1) % exporters;
    if (r > 0) sent += r;
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  printf("%ld %.3f\n", sent, cpu);
  return 0;
}
