/* kubesim-init: PID 1 of every image on the local cluster's real node.
 *
 * The image conventions of model/images.py, by real means:
 *   - SIGTERM/SIGINT: exit 0 at once (a plain `sleep` as PID 1 ignores SIGTERM, and every
 *     old pod of a rollout would then wait out its whole grace period);
 *   - SIGUSR1: exit 1 (the crash fault);
 *   - KUBESIM_CRASH_AFTER_SECONDS=N in the image's environment: exit 1 N s after the start;
 *   - an HTTP readiness endpoint on port 8080 (KUBESIM_PROBE_PORT):
 *       GET /ready[?after=N]  200 once N s have passed since the start, else 503;
 *                             503 if the image has KUBESIM_NEVER_READY=1;
 *       GET /never-ready      always 503;
 *     /tmp/kubesim-ready, if it exists, overrides /ready: "1" ready, anything else not ready.
 *   - it reaps orphaned children (exec'd commands).
 * If the port is taken (a second container in the same pod), it only waits for signals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t exit_code = -1;

static void on_term(int s) { (void)s; exit_code = 0; }
static void on_crash(int s) { (void)s; exit_code = 1; }
static void on_child(int s) {
  (void)s;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
  errno = saved;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double parse_seconds(const char *s) {
  if (!s || !*s) return 0;
  char *end;
  double v = strtod(s, &end);
  if (end == s || (*end && *end != '&' && *end != ' ') || !(v > 0) || v > 1e9) return 0;
  return v;
}

static int ready(const char *path, double started) {
  if (strncmp(path, "/never-ready", 12) == 0) return 0;
  if (strncmp(path, "/ready", 6) != 0) return 0;
  FILE *f = fopen("/tmp/kubesim-ready", "r");
  if (f) {
    int c = fgetc(f);
    fclose(f);
    return c == '1';
  }
  const char *nr = getenv("KUBESIM_NEVER_READY");
  if (nr && strcmp(nr, "1") == 0) return 0;
  const char *q = strstr(path, "after=");
  double after = q ? parse_seconds(q + 6) : 0;
  return now() - started >= after;
}

static void serve(int fd, double started) {
  char buf[1024];
  struct pollfd p = {fd, POLLIN, 0};
  ssize_t n = 0;
  if (poll(&p, 1, 1000) > 0) n = read(fd, buf, sizeof buf - 1);
  if (n <= 0) return;
  buf[n] = 0;
  char path[512] = "";
  if (sscanf(buf, "GET %511s", path) != 1) path[0] = 0;
  const char *ok = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
  const char *no = "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot ready\n";
  const char *r = ready(path, started) ? ok : no;
  ssize_t w = write(fd, r, strlen(r));
  (void)w;
}

int main(void) {
  double started = now();
  struct sigaction a;
  memset(&a, 0, sizeof a);
  a.sa_handler = on_term;
  sigaction(SIGTERM, &a, NULL);
  sigaction(SIGINT, &a, NULL);
  a.sa_handler = on_crash;
  sigaction(SIGUSR1, &a, NULL);
  a.sa_handler = on_child;
  a.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &a, NULL);

  double crash_after = parse_seconds(getenv("KUBESIM_CRASH_AFTER_SECONDS"));
  const char *port_s = getenv("KUBESIM_PROBE_PORT");
  int port = port_s ? atoi(port_s) : 8080;

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (lfd >= 0 && (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 16) != 0)) {
    close(lfd);
    lfd = -1;
  }
  for (;;) {
    if (exit_code >= 0) _exit(exit_code);
    if (crash_after > 0 && now() - started >= crash_after) _exit(1);
    int timeout = 1000;
    if (crash_after > 0) {
      double left = crash_after - (now() - started);
      timeout = left < 1 ? (int)(left * 1000) + 1 : 1000;
    }
    if (lfd < 0) {
      poll(NULL, 0, timeout);
      continue;
    }
    struct pollfd p = {lfd, POLLIN, 0};
    if (poll(&p, 1, timeout) > 0) {
      int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0) {
        serve(fd, started);
        close(fd);
      }
    }
  }
}
