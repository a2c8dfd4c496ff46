#include "vk_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum vk_log_level threshold = VK_LOG_INFO;

void vk_log_init(void)
{
    const char *e = getenv("VIRTKIT_LOG_LEVEL");
    if (!e)
        return;
    if (!strcmp(e, "debug"))
        threshold = VK_LOG_DEBUG;
    else if (!strcmp(e, "warn"))
        threshold = VK_LOG_WARN;
    else if (!strcmp(e, "error"))
        threshold = VK_LOG_ERROR;
}

void vk_log(enum vk_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warning", "error"};
    if (level < threshold)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char line[2048];
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02d %02d:%02d:%02d.%03ld %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, names[level]);
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Messages carry client-supplied names: escape control characters so no
     * input can forge a log line (a newline would start a fake entry). */
    size_t o = (size_t)n;
    for (const unsigned char *p = (const unsigned char *)msg; *p && o + 5 < sizeof(line); p++) {
        if (*p < 0x20 || *p == 0x7f)
            o += (size_t)snprintf(line + o, sizeof(line) - o, "\\x%02x", *p);
        else
            line[o++] = (char)*p;
    }
    line[o] = '\0';
    fprintf(stderr, "%s\n", line);
}
