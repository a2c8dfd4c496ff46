/* Logging to stderr (the daemon's log). Level from VIRTKIT_LOG_LEVEL
 * (debug, info, warn, error; default info). */
#pragma once

enum vk_log_level { VK_LOG_DEBUG, VK_LOG_INFO, VK_LOG_WARN, VK_LOG_ERROR };

void vk_log_init(void);
void vk_log(enum vk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define VK_DEBUG(...) vk_log(VK_LOG_DEBUG, __VA_ARGS__)
#define VK_INFO(...) vk_log(VK_LOG_INFO, __VA_ARGS__)
#define VK_WARN(...) vk_log(VK_LOG_WARN, __VA_ARGS__)
#define VK_ERROR(...) vk_log(VK_LOG_ERROR, __VA_ARGS__)
