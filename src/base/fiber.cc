#include "base/fiber.h"

#include <sys/mman.h>
#include <unistd.h>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define ANVIL_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ANVIL_FIBER_ASAN 1
#endif
#endif
#if defined(ANVIL_FIBER_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace anvil::fiber {
namespace {

[[noreturn]] void Die(const char* message) {
  std::fprintf(stderr, "anvil fiber: %s\n", message);
  std::abort();
}

// ASan must be told about every switch of stacks, or it reports false stack errors (and cannot free the fake
// frames of a finished fiber). `fake_stack` saves the frames of the stack being left; null when leaving a
// stack for good.
void StartSwitch([[maybe_unused]] void** fake_stack, [[maybe_unused]] const void* bottom,
                 [[maybe_unused]] size_t size) {
#if defined(ANVIL_FIBER_ASAN)
  __sanitizer_start_switch_fiber(fake_stack, bottom, size);
#endif
}
// A reused stack still carries the poisoned redzones of the frames of the fiber that ran on it last.
void UnpoisonStack([[maybe_unused]] char* bottom, [[maybe_unused]] size_t size) {
#if defined(ANVIL_FIBER_ASAN)
  __asan_unpoison_memory_region(bottom, size);
#endif
}
void FinishSwitch([[maybe_unused]] void* fake_stack, [[maybe_unused]] const void** old_bottom,
                  [[maybe_unused]] size_t* old_size) {
#if defined(ANVIL_FIBER_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack, old_bottom, old_size);
#endif
}

// An mmap'd stack of kStackBytes above one inaccessible guard page, so an overflow faults instead of
// overwriting the neighbour.
struct Stack {
  char* mapping = nullptr;
  char* bottom() const { return mapping + PageSize(); }
  static size_t PageSize() {
    static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    return page;
  }
};

// Each thread keeps a few released stacks: mapping and unmapping per request would cost two system calls
// and a TLB shootdown each.
class StackCache {
 public:
  static constexpr size_t kMaxCached = 64;
  ~StackCache() {
    for (Stack& s : free_) Unmap(s);
  }
  Stack Take() {
    if (!free_.empty()) {
      Stack s = free_.back();
      free_.pop_back();
      return s;
    }
    const size_t total = kStackBytes + Stack::PageSize();
    void* p =
        ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    if (::mprotect(p, Stack::PageSize(), PROT_NONE) != 0) {
      ::munmap(p, total);
      throw std::bad_alloc();
    }
    return Stack{static_cast<char*>(p)};
  }
  void Give(Stack s) {
    if (free_.size() < kMaxCached) {
      free_.push_back(s);
    } else {
      Unmap(s);
    }
  }

 private:
  static void Unmap(Stack s) { ::munmap(s.mapping, kStackBytes + Stack::PageSize()); }
  std::vector<Stack> free_;
};

// Switching stacks. On x86-64 a few instructions save the callee-saved registers (and the SSE/x87 control
// words) on the old stack and pop them from the new one; ucontext elsewhere, which also saves the signal mask
// with two system calls per switch (and makes ASan print a warning about swapcontext).
#if defined(__x86_64__)
extern "C" void anvil_fiber_switch(void** save_sp, void* next_sp);
asm(R"(
  .text
  .globl anvil_fiber_switch
  .type anvil_fiber_switch, @function
  .p2align 4
anvil_fiber_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size anvil_fiber_switch, .-anvil_fiber_switch
)");

struct Context {
  void* sp = nullptr;
};

void Switch(Context& from, Context& to) { anvil_fiber_switch(&from.sp, to.sp); }

// Prepares `c` to start `entry` (which must never return) on the stack [bottom, bottom + size).
void MakeContext(Context& c, char* bottom, size_t size, void (*entry)()) {
  auto top = reinterpret_cast<uintptr_t>(bottom + size) & ~uintptr_t{15};
  auto* slots = reinterpret_cast<uint64_t*>(top);
  slots[-1] = 0;                                  // entry's return address (never used)
  slots[-2] = reinterpret_cast<uint64_t>(entry);  // popped by anvil_fiber_switch's ret
  for (int i = 3; i <= 8; ++i) slots[-i] = 0;     // rbp, rbx, r12..r15
  uint32_t mxcsr = 0;
  uint16_t fpu_cw = 0;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpu_cw));
  slots[-9] = uint64_t{mxcsr} | (uint64_t{fpu_cw} << 32);
  c.sp = &slots[-9];
}
#else
struct Context {
  ucontext_t uc{};
};

void Switch(Context& from, Context& to) {
  if (::swapcontext(&from.uc, &to.uc) != 0) Die("swapcontext failed");
}

void MakeContext(Context& c, char* bottom, size_t size, void (*entry)()) {
  if (::getcontext(&c.uc) != 0) Die("getcontext failed");
  c.uc.uc_stack.ss_sp = bottom;
  c.uc.uc_stack.ss_size = size;
  c.uc.uc_link = nullptr;
  ::makecontext(&c.uc, entry, 0);
}
#endif

thread_local StackCache stack_cache;
thread_local Fiber::State* current = nullptr;

// thread_local is reached only through these functions, opaque to the optimizer (noipa): a fiber may suspend
// on one thread and resume on another, and a compiler may keep a thread-local's address in a register across
// the switch.
[[gnu::noipa]] Fiber::State* Current() { return current; }
[[gnu::noipa]] void SetCurrent(Fiber::State* s) { current = s; }
[[gnu::noipa]] StackCache& Stacks() { return stack_cache; }

void Entry();

}  // namespace

struct Fiber::State {
  std::function<void()> body;
  std::function<void()> schedule;
  Context fiber_context;
  Context caller_context;
  Stack stack;
  bool started = false;
  bool finished = false;
  std::atomic<bool> running{false};
  std::exception_ptr error;
  // ASan bookkeeping: the caller's stack (to switch back to) and each side's saved fake frames.
  const void* caller_bottom = nullptr;
  size_t caller_size = 0;
  void* caller_fake_stack = nullptr;
  void* fiber_fake_stack = nullptr;

  // Switches from the fiber back to the thread that resumed it; returns when resumed again.
  void SwitchToCaller() {
    StartSwitch(&fiber_fake_stack, caller_bottom, caller_size);
    Switch(fiber_context, caller_context);
    FinishSwitch(fiber_fake_stack, &caller_bottom, &caller_size);
  }
};

namespace {

void Entry() {
  Fiber::State* s = Current();
  FinishSwitch(nullptr, &s->caller_bottom, &s->caller_size);
  try {
    s->body();
  } catch (...) {
    s->error = std::current_exception();
  }
  s->finished = true;
  StartSwitch(nullptr, s->caller_bottom, s->caller_size);  // this stack is left for good
  Switch(s->fiber_context, s->caller_context);
  Die("a finished fiber was resumed");
}

}  // namespace

Fiber::Fiber(std::function<void()> body, std::function<void()> schedule) : state_(std::make_unique<State>()) {
  state_->body = std::move(body);
  state_->schedule = std::move(schedule);
}

Fiber::~Fiber() {
  if (state_->started && !state_->finished) Die("a suspended fiber was destroyed");
}

bool Fiber::finished() const { return state_->finished; }

bool Fiber::Resume() {
  State* s = state_.get();
  if (s->finished) Die("Resume of a finished fiber");
  if (s->running.exchange(true, std::memory_order_acquire)) Die("Resume of a running fiber");
  if (!s->started) {
    s->stack = Stacks().Take();
    UnpoisonStack(s->stack.bottom(), kStackBytes);
    MakeContext(s->fiber_context, s->stack.bottom(), kStackBytes, Entry);
    s->started = true;
  }
  State* outer = Current();  // a fiber may resume another
  SetCurrent(s);
  StartSwitch(&s->caller_fake_stack, s->stack.bottom(), kStackBytes);
  Switch(s->caller_context, s->fiber_context);
  FinishSwitch(s->caller_fake_stack, nullptr, nullptr);
  SetCurrent(outer);
  const bool finished = s->finished;
  if (finished) {
    Stacks().Give(s->stack);
    s->stack = Stack{};
  }
  std::exception_ptr error = finished ? std::exchange(s->error, nullptr) : nullptr;
  s->running.store(false, std::memory_order_release);
  if (error) std::rethrow_exception(error);
  return finished;
}

bool OnFiber() { return Current() != nullptr; }

void Await(const std::function<void(Wake)>& start) {
  if (Fiber::State* s = Current()) {
    start([s] { s->schedule(); });
    s->SwitchToCaller();
    return;
  }
  struct Blocker {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
  };
  auto blocker = std::make_shared<Blocker>();
  start([blocker] {
    std::lock_guard lock(blocker->mu);
    blocker->woken = true;
    blocker->cv.notify_one();
  });
  std::unique_lock lock(blocker->mu);
  blocker->cv.wait(lock, [&] { return blocker->woken; });
}

}  // namespace anvil::fiber
