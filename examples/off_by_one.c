// off_by_one: a queue whose "full" test is off by one; it only matters once
// the backlog reaches the capacity, after thousands of jobs.
//
// The bug: push() refuses a job when count > QSIZE, but the ring holds QSIZE
// jobs, so at count == QSIZE it overwrites the oldest queued job. Work arrives
// a little faster than it is done, so the queue fills up slowly; from then on
// jobs get lost and the final check names the first one that was.
//
// Finding it with rvrr:
//   rvrr debug off_by_one.elf
//   (gdb) break lost_job
//   (gdb) continue               # id = the lost job
//   (gdb) set $lost = id
//   (gdb) set $slot = slot_of[id]
//   (gdb) watch -l queue[$slot] if queue[$slot] == $lost
//   (gdb) reverse-continue       # the push() that overwrote it: count == QSIZE
// The condition matters: the ring reuses the slot every QSIZE jobs, so the
// last write to it (what a plain watch finds first) is a later, normal push.
// Going backwards memory holds the value before the write, so the condition
// picks the write that replaced the lost job.
#include <stdio.h>

#define QSIZE 32
#define NJOBS 6000

static int queue[QSIZE];
static int head, count;       // queue[head] is the oldest job
static int slot_of[NJOBS];    // where each job was put (for debugging)
static unsigned char done[NJOBS];

static int push(int id) {
  if (count > QSIZE) return 0;  // BUG: should be count >= QSIZE
  int slot = (head + count) % QSIZE;
  queue[slot] = id;
  slot_of[id] = slot;
  if (count < QSIZE) count++;
  return 1;
}

static int pop(void) {
  int id = queue[head];
  head = (head + 1) % QSIZE;
  count--;
  return id;
}

void lost_job(int id) { printf("job %d was never processed\n", id); }

int main(void) {
  int next = 0, processed = 0, refused = 0;
  for (int tick = 0; next < NJOBS || count > 0; tick++) {
    // 101 jobs arrive every 100 ticks; one job is processed per tick.
    int arrivals = tick % 100 == 0 ? 2 : 1;
    for (int a = 0; a < arrivals && next < NJOBS; a++) {
      if (push(next)) next++;
      else refused++;
    }
    if (count > 0) {
      done[pop()] = 1;
      processed++;
    }
  }
  printf("processed %d jobs, %d refusals\n", processed, refused);
  for (int id = 0; id < NJOBS; id++)
    if (!done[id]) {
      lost_job(id);
      return 1;
    }
  return 0;
}
