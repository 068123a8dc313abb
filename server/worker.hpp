// server/worker.hpp - one long-lived thread that runs one job at a time.
//
// Resumes run here so the io thread keeps reading the socket (and sees gdb's
// interrupt byte within milliseconds). A persistent thread rather than one
// per resume: a hand-off through a condition variable costs microseconds,
// creating a thread tens of them, and `next` over a loop is one resume per
// instruction.
#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace rvrr::server {

class Worker {
 public:
  Worker() : thread_([this] { loop(); }) {}
  ~Worker() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();  // finishes the job in progress first (callers cancel it)
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Precondition: no job is pending or running (the caller tracks that).
  void submit(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      job_ = std::move(job);
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || job_; });
      if (!job_) return;  // stopping with nothing to do
      std::function<void()> job = std::move(job_);
      job_ = nullptr;
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::function<void()> job_;  // guarded by mutex_
  bool stopping_ = false;      // guarded by mutex_
  std::thread thread_;         // last: starts after the members it uses exist
};

}  // namespace rvrr::server
