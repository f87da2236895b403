#include "base/timer_queue.h"

namespace anvil {

TimerQueue::TimerQueue(SteadyClock& clock) : clock_(clock), waiter_(clock.NewWaiter(mu_)) {}

TimerQueue::~TimerQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  waiter_->Notify();
  if (thread_.joinable()) thread_.join();
  // Without a thread (nothing was ever scheduled) or after it left: run what is left, early.
  while (!pending_.empty()) {
    auto node = pending_.extract(pending_.begin());
    when_.erase(node.key().second);
    node.mapped()();
  }
}

uint64_t TimerQueue::Schedule(TimePoint when, std::function<void()> fn) {
  uint64_t id;
  bool earliest;
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
    id = next_id_++;
    auto it = pending_.emplace(std::make_pair(when, id), std::move(fn)).first;
    when_.emplace(id, when);
    earliest = it == pending_.begin();
  }
  if (earliest) waiter_->Notify();  // the thread may be waiting until a later time
  return id;
}

bool TimerQueue::Cancel(uint64_t id) {
  bool earliest;
  {
    std::lock_guard lock(mu_);
    auto it = when_.find(id);
    if (it == when_.end()) return false;
    auto node = pending_.find(std::make_pair(it->second, id));
    earliest = node == pending_.begin();
    pending_.erase(node);
    when_.erase(it);
  }
  // The thread may be waiting until the cancelled time: it waits for the next one instead (a fake clock then
  // reports the time of a timer that exists).
  if (earliest) waiter_->Notify();
  return true;
}

void TimerQueue::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      waiter_->WaitUntil(lock, TimePoint::max());
      continue;
    }
    auto first = pending_.begin();
    // A copy: Cancel may erase the node while this thread waits.
    const TimePoint when = first->first.first;
    if (when > clock_.Now()) {
      waiter_->WaitUntil(lock, when);
      continue;
    }
    auto node = pending_.extract(first);
    when_.erase(node.key().second);
    lock.unlock();
    node.mapped()();
    lock.lock();
  }
}

}  // namespace anvil
