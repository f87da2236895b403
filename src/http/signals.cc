#include "http/signals.h"

#include <pthread.h>
#include <signal.h>

namespace anvil::http {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

int Wait(sigset_t set) {
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal() { return Wait(TerminationSignals()); }

int WaitForTerminationOrReloadSignal() {
  sigset_t set = TerminationSignals();
  sigaddset(&set, SIGHUP);
  return Wait(set);
}

}  // namespace anvil::http
