/* Reaps zombies nobody else reaps. virtkitd is a child subreaper, so
 * orphaned descendants become its children; the driver and vk_run reap the
 * children they start themselves (waitpid on their pid, or a pidfd), and a
 * blanket waitpid(-1) would steal those statuses. So the reaper only
 * collects a child that is still a zombie on two scans at least 2 seconds
 * apart: by then its owner, if any, would have collected it. */
#pragma once

struct vk_loop;
struct vk_reaper;

/* Scans on a timer in the loop thread. The loop owns the reaper: it is
 * freed with the loop (vk_loop_free). */
struct vk_reaper *vk_reaper_new(struct vk_loop *loop);
/* SIGCHLD arrived: scan soon. Loop thread. */
void vk_reaper_kick(struct vk_reaper *r);
