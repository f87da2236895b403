// `anvil agent`: renewal passes in a loop (docs/agent.md, Scheduling). Each pass locks the state directory,
// renews what is due (agent::RenewalPass) and yields the lineages' renewal decisions; the loop then sleeps
// until the earliest renewal time or ARI re-check among them, at most --interval, plus jitter
// (agent::ScheduleNextPass). Signals are taken synchronously (sigtimedwait; main() blocked them before any
// thread started), so a SIGTERM during a pass is acted upon once the pass is over: an issuance is never cut
// off half-way.
#include <signal.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <iostream>
#include <optional>
#include <random>

#include "agent/json_output.h"
#include "agent/renewal.h"
#include "agent/renewal_pass.h"
#include "agent/state_dir.h"
#include "agent/state_lock.h"
#include "base/time.h"
#include "commands.h"

namespace anvil::cli {
namespace {

using nlohmann::json;
using std::chrono::seconds;

enum class Wake { kTime, kReload, kStop };

// Waits until `until` (wall clock) or a signal of `set`. On kStop, `*signo` is the signal.
Wake WaitUntil(const sigset_t& set, const Clock& clock, TimePoint until, int* signo) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - clock.Now()).count();
    if (left <= 0) return Wake::kTime;
    struct timespec wait = {static_cast<time_t>(left / 1'000'000'000),
                            static_cast<long>(left % 1'000'000'000)};
    int sig = sigtimedwait(&set, nullptr, &wait);
    if (sig < 0) continue;  // EAGAIN: the time is up (checked above against the clock); EINTR: again.
    if (sig == SIGHUP) return Wake::kReload;
    *signo = sig;
    return Wake::kStop;
  }
}

}  // namespace

int RunAgent(const GlobalOptions& g, const AgentCommand& c) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  SystemClock clock;
  std::mt19937_64 random{std::random_device{}()};
  auto unit = [&random] { return std::uniform_real_distribution<double>(0.0, 1.0)(random); };
  // --json: one event per line on stdout, flushed at once (a supervisor reads them as they come).
  agent::EventSink emit = [&g, &clock](json e) {
    if (!g.json) return;
    e["time"] = FormatRfc3339(clock.Now());
    std::cout << e.dump() << std::endl;
  };
  auto say = [](const std::string& line) { std::cerr << "anvil agent: " << line << "\n"; };
  const std::string root = g.state_dir.empty() ? agent::StateDir::DefaultRoot() : g.state_dir;
  const RenewCommand all{true, "", false};

  say("started (interval " + std::to_string(c.interval_seconds) + " s, jitter " +
      std::to_string(c.jitter_seconds) + " s)");
  emit({{"event", "start"}, {"interval", c.interval_seconds}, {"jitter", c.jitter_seconds}});
  int signo = 0;
  auto stop = [&] {
    say("stopping on signal " + std::to_string(signo));
    emit({{"event", "stop"}, {"signal", signo}});
    return kExitOk;
  };
  for (;;) {
    // The state directory is locked for the pass only: `anvil issue` and friends can run between passes.
    // While another anvil holds it, wait (still stoppable).
    std::optional<agent::StateLock> lock;
    Status failure;
    for (bool said = false; !lock && failure.ok();) {
      auto l = agent::StateLock::TryAcquire(root);
      if (l.ok()) {
        lock.emplace(std::move(*l));
      } else if (l.status().code() != Code::kUnavailable) {
        failure = l.status();
      } else {
        if (!said) {
          say(l.status().message() + "; waiting for it");
          emit({{"event", "wait_lock"}, {"error", agent::ErrorJson(l.status())}});
          said = true;
        }
        if (WaitUntil(set, clock, clock.Now() + seconds(1), &signo) == Wake::kStop) return stop();
      }
    }
    agent::RenewalPassResult pass;
    if (lock) {
      auto state = agent::StateDir::Open(root);
      auto result = state.ok() ? RunRenewalPass(g, all, *state, emit)
                               : Result<agent::RenewalPassResult>(state.status());
      if (result.ok()) {
        pass = std::move(*result);
      } else {
        failure = result.status();
      }
      lock.reset();
    }
    if (!failure.ok()) {
      ++pass.failed;
      std::cerr << "anvil agent: error: " << failure.ToString() << "\n";
      emit(agent::ErrorEvent(failure));
    }
    int code = RenewExitCode(pass);
    say("renewal pass finished with exit code " + std::to_string(code));
    emit({{"event", "pass"}, {"renewed", pass.renewed}, {"failed", pass.failed}, {"exit_code", code}});

    const agent::NextPass next = agent::ScheduleNextPass(
        pass.decisions, clock.Now(), seconds(c.interval_seconds), seconds(c.jitter_seconds), unit());
    say("next pass at " + FormatRfc3339(next.at) + " (in " + std::to_string(next.wait.count()) + " s)");
    emit({{"event", "sleep"}, {"until", FormatRfc3339(next.at)}, {"seconds", next.wait.count()}});
    switch (WaitUntil(set, clock, next.at, &signo)) {
      case Wake::kStop:
        return stop();
      case Wake::kReload:
        say("SIGHUP, renewal pass now");
        emit({{"event", "reload"}});
        break;
      case Wake::kTime:
        break;
    }
  }
}

}  // namespace anvil::cli
