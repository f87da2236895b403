// The c-ares implementation of DnsResolver (see dns_resolver.h).
//
// c-ares 1.18 (Debian 12) channels are not thread-safe, so every Lookup* call takes a channel of its own: an
// idle one from the resolver's pool, or a new duplicate of the template channel (ares_dup re-reads
// /etc/resolv.conf and friends, so copies are kept and reused). The call drives its channel with http::Poll
// (poll(2); on the VA's fibers it suspends only the calling validation) until its queries finish or the
// call's deadline passes, when the queries are cancelled. A channel goes back to the pool only with no query
// outstanding; c-ares then has closed its sockets (no ARES_FLAG_STAYOPEN), so every lookup still sends from a
// fresh socket and source port. CNAME chains are followed inside each answer and, when a server answers only
// with the alias, by querying the target (at most kMaxCnameHops in total).
#include <ares.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

#include "http/fiber_runner.h"
#include "va/dns_message.h"
#include "va/dns_resolver.h"

namespace anvil::va {
namespace {

using Clock = std::chrono::steady_clock;
using internal::kDnsTypeA;
using internal::kDnsTypeAaaa;
using internal::kDnsTypeCaa;
using internal::kDnsTypeTxt;

constexpr int kMaxCnameHops = 8;

// The words Boulder and Pebble use, so operators recognise them.
std::string DescribeAresStatus(int status) {
  switch (status) {
    case ARES_ENOTFOUND:
      return "NXDOMAIN";
    case ARES_ESERVFAIL:
      return "SERVFAIL";
    case ARES_EREFUSED:
      return "REFUSED";
    case ARES_ENOTIMP:
      return "NOTIMP";
    case ARES_EFORMERR:
      return "FORMERR";
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:
      return "query timed out";
    case ARES_ECONNREFUSED:
      return "connection refused";
    case ARES_EBADRESP:
      return "malformed response";
    case ARES_EBADNAME:
      return "invalid name";
    default:
      return ares_strerror(status);
  }
}

Status DnsError(std::string_view what, uint16_t type, std::string_view name) {
  std::string detail = "DNS problem: ";
  detail += what;
  detail += " looking up ";
  detail += internal::DnsTypeName(type);
  detail += " for ";
  detail += name;
  return Error(Code::kDns, std::move(detail));
}

// One name/type lookup, following CNAMEs by re-querying from its own callback. Declare it before the Channel
// it runs on, so that the channel (whose destruction calls back pending queries) goes first.
class Lookup {
 public:
  // `nxdomain_is_empty`: a name that does not exist yields no records rather than an error (CAA, where a
  // missing name is the common case and means "look at the parent").
  Lookup(std::string name, uint16_t type, bool nxdomain_is_empty = false)
      : original_(std::move(name)), current_(original_), type_(type), nxdomain_is_empty_(nxdomain_is_empty) {}
  Lookup(const Lookup&) = delete;
  Lookup& operator=(const Lookup&) = delete;

  // May complete synchronously (c-ares calls back at once for some errors).
  void Start(ares_channel channel) {
    channel_ = channel;
    ares_query(channel_, current_.c_str(), internal::kDnsClassIn, type_, &Lookup::Callback, this);
  }

  bool done() const { return done_; }
  Result<std::vector<std::string>>& result() { return result_; }
  // Ends the lookup as timed out (the caller's deadline passed).
  void Abandon() {
    if (!done_) Finish(DnsError(DescribeAresStatus(ARES_ETIMEOUT), type_, current_));
  }

 private:
  static void Callback(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    static_cast<Lookup*>(arg)->Handle(status, abuf, alen);
  }

  void Finish(Result<std::vector<std::string>> result) {
    result_ = std::move(result);
    done_ = true;
  }

  void Handle(int status, const unsigned char* abuf, int alen) {
    if (done_) return;                                                      // ARES_EDESTRUCTION after Abandon
    if (status == ARES_ENODATA) return Finish(std::vector<std::string>{});  // NOERROR, no such record
    if (status == ARES_ENOTFOUND && nxdomain_is_empty_) return Finish(std::vector<std::string>{});
    if (status != ARES_SUCCESS) return Finish(DnsError(DescribeAresStatus(status), type_, current_));
    if (abuf == nullptr || alen <= 0) return Finish(DnsError("empty response", type_, current_));
    auto answer = internal::ParseDnsAnswer(std::string_view(reinterpret_cast<const char*>(abuf), alen));
    if (!answer.ok()) return Finish(DnsError("malformed response", type_, current_));
    internal::ChainEnd end = internal::FollowCnames(*answer, current_, type_, kMaxCnameHops - hops_);
    hops_ += end.cnames;
    if (!end.values.empty() || end.cnames == 0) return Finish(std::move(end.values));
    if (hops_ >= kMaxCnameHops) return Finish(DnsError("too many CNAMEs", type_, original_));
    current_ = std::move(end.name);
    Start(channel_);
  }

  ares_channel channel_ = nullptr;
  std::string original_;
  std::string current_;
  uint16_t type_;
  bool nxdomain_is_empty_;
  int hops_ = 0;
  bool done_ = false;
  Result<std::vector<std::string>> result_ = std::vector<std::string>{};
};

// One duplicated channel. Destroyed only when it still has queries (then c-ares calls them back with
// ARES_EDESTRUCTION), otherwise kept for reuse by the resolver's pool.
class Channel {
 public:
  explicit Channel(ares_channel channel) : channel_(channel) {}
  ~Channel() { ares_destroy(channel_); }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  ares_channel get() const { return channel_; }
  // No query outstanding (ares_timeout has nothing to wait for).
  bool idle() const {
    timeval buf;
    return ares_timeout(channel_, nullptr, &buf) == nullptr;
  }

  // Drives the channel until every lookup is done or `deadline` passes; on the deadline the outstanding
  // queries are cancelled, which completes them with a timeout error.
  void Run(const std::vector<Lookup*>& lookups, Clock::time_point deadline) {
    auto all_done = [&] {
      return std::all_of(lookups.begin(), lookups.end(), [](Lookup* l) { return l->done(); });
    };
    while (!all_done()) {
      const auto now = Clock::now();
      if (now >= deadline) {
        ares_cancel(channel_);  // completes every outstanding query with ARES_ECANCELLED
        for (Lookup* l : lookups) l->Abandon();
        return;
      }
      ares_socket_t socks[ARES_GETSOCK_MAXNUM];
      const int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
      pollfd fds[ARES_GETSOCK_MAXNUM];
      nfds_t n = 0;
      for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
        const bool r = ARES_GETSOCK_READABLE(bits, i), w = ARES_GETSOCK_WRITABLE(bits, i);
        if (!r && !w) continue;
        fds[n].fd = socks[i];
        fds[n].events = static_cast<short>((r ? POLLIN : 0) | (w ? POLLOUT : 0));
        fds[n].revents = 0;
        ++n;
      }
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
      timeval max_wait{static_cast<time_t>(left.count() / 1000000),
                       static_cast<suseconds_t>(left.count() % 1000000)};
      timeval buf;
      const timeval* wait = ares_timeout(channel_, &max_wait, &buf);
      const int ms = static_cast<int>(wait->tv_sec * 1000 + (wait->tv_usec + 999) / 1000);
      const int ready = http::Poll(fds, n, ms);  // on the VA's fibers: suspends only this validation
      if (ready < 0 && ready != -EINTR) {
        ares_cancel(channel_);
        for (Lookup* l : lookups) l->Abandon();
        return;
      }
      if (ready <= 0) {
        ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts and retries
        continue;
      }
      for (nfds_t i = 0; i < n; ++i) {
        if (fds[i].revents == 0) continue;
        const bool readable = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
        const bool writable = (fds[i].revents & (POLLOUT | POLLERR | POLLHUP)) != 0;
        ares_process_fd(channel_, readable ? fds[i].fd : ARES_SOCKET_BAD,
                        writable ? fds[i].fd : ARES_SOCKET_BAD);
      }
    }
  }

 private:
  ares_channel channel_;
};

class CaresResolver final : public DnsResolver {
 public:
  CaresResolver(ares_channel templ, std::chrono::milliseconds timeout)
      : template_(templ), timeout_(timeout) {}
  ~CaresResolver() override { ares_destroy(template_); }
  CaresResolver(const CaresResolver&) = delete;
  CaresResolver& operator=(const CaresResolver&) = delete;

  Result<std::vector<std::string>> LookupTxt(const std::string& name) override {
    Lookup txt(name, kDnsTypeTxt);
    ANVIL_ASSIGN_OR_RETURN(ChannelLease channel, Acquire());
    txt.Start(channel->get());
    channel->Run({&txt}, Clock::now() + timeout_);
    return std::move(txt.result());
  }

  Result<std::vector<std::string>> LookupAddresses(const std::string& name) override {
    Lookup a(name, kDnsTypeA);
    Lookup aaaa(name, kDnsTypeAaaa);
    ANVIL_ASSIGN_OR_RETURN(ChannelLease channel, Acquire());
    a.Start(channel->get());
    aaaa.Start(channel->get());
    channel->Run({&a, &aaaa}, Clock::now() + timeout_);
    std::vector<std::string> addresses;
    for (Lookup* l : {&a, &aaaa}) {
      if (l->result().ok()) addresses.insert(addresses.end(), l->result()->begin(), l->result()->end());
    }
    if (!addresses.empty()) return addresses;
    if (!a.result().ok()) return a.result().status();
    if (!aaaa.result().ok()) return aaaa.result().status();
    return Error(Code::kDns, "DNS problem: no valid A or AAAA records found for " + name);
  }

  std::vector<Result<std::vector<CaaRecord>>> LookupCaa(const std::vector<std::string>& names) override {
    std::vector<std::unique_ptr<Lookup>> lookups;
    std::vector<Lookup*> running;
    for (const std::string& name : names) {
      lookups.push_back(std::make_unique<Lookup>(name, kDnsTypeCaa, /*nxdomain_is_empty=*/true));
      running.push_back(lookups.back().get());
    }
    std::vector<Result<std::vector<CaaRecord>>> results;
    {
      Result<ChannelLease> channel = Acquire();
      if (!channel.ok()) return std::vector<Result<std::vector<CaaRecord>>>(names.size(), channel.status());
      for (Lookup* l : running) l->Start((*channel)->get());
      (*channel)->Run(running, Clock::now() + timeout_);
    }
    for (size_t i = 0; i < names.size(); ++i) {
      const Result<std::vector<std::string>>& rdatas = lookups[i]->result();
      if (!rdatas.ok()) {
        results.push_back(rdatas.status());
        continue;
      }
      std::vector<CaaRecord> records;
      for (const std::string& rdata : *rdatas) {
        Result<CaaRecord> record = internal::ParseCaaRdata(rdata);  // checked when the answer was parsed
        if (record.ok()) records.push_back(std::move(*record));
      }
      results.push_back(std::move(records));
    }
    return results;
  }

 private:
  // A channel for one call; back to the pool when the call is done, if it is idle. Declared after the
  // call's Lookups, so it is released (or destroyed) before they are.
  class ChannelLease {
   public:
    ChannelLease(CaresResolver* owner, std::unique_ptr<Channel> channel)
        : owner_(owner), channel_(std::move(channel)) {}
    ChannelLease(ChannelLease&&) noexcept = default;
    ChannelLease(const ChannelLease&) = delete;
    ChannelLease& operator=(const ChannelLease&) = delete;
    ChannelLease& operator=(ChannelLease&&) = delete;
    ~ChannelLease() {
      if (channel_ != nullptr) owner_->Release(std::move(channel_));
    }
    Channel* operator->() const { return channel_.get(); }

   private:
    CaresResolver* owner_;
    std::unique_ptr<Channel> channel_;
  };

  Result<ChannelLease> Acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Channel> channel = std::move(idle_.back());
      idle_.pop_back();
      return ChannelLease(this, std::move(channel));
    }
    ares_channel copy = nullptr;
    const int rc = ares_dup(&copy, template_);
    if (rc != ARES_SUCCESS)
      return Error(Code::kDns, std::string("DNS problem: resolver: ") + ares_strerror(rc));
    return ChannelLease(this, std::make_unique<Channel>(copy));
  }

  void Release(std::unique_ptr<Channel> channel) {
    if (!channel->idle()) return;  // destroyed here, completing what is left
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdleChannels) idle_.push_back(std::move(channel));
  }

  // More idle channels than concurrent lookups are never needed; the VA runs a few dozen at most.
  static constexpr size_t kMaxIdleChannels = 64;

  std::mutex mu_;  // guards idle_ and reads of template_ by ares_dup
  std::vector<std::unique_ptr<Channel>> idle_;
  ares_channel template_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

Result<std::unique_ptr<DnsResolver>> NewCaresResolver(const CaresResolverOptions& options) {
  if (options.timeout.count() <= 0)
    return Error(Code::kInvalidArgument, "DNS resolver timeout must be positive");
  if (options.tries <= 0 || options.tries > 8) {
    return Error(Code::kInvalidArgument, "DNS resolver tries must be between 1 and 8");
  }
  static std::once_flag init_once;
  static int init_rc = ARES_SUCCESS;
  std::call_once(init_once, [] { init_rc = ares_library_init(ARES_LIB_INIT_ALL); });
  if (init_rc != ARES_SUCCESS) {
    return Error(Code::kUnavailable, std::string("c-ares initialisation failed: ") + ares_strerror(init_rc));
  }

  // c-ares 1.18 waits timeout << (try / servers) for later tries; spread the call's budget so that the first
  // try of each server and its retries fit in it, and let Channel::Run enforce the bound anyway.
  const long long per_try = std::max<long long>(50, options.timeout.count() / ((1LL << options.tries) - 1));
  ares_options opts{};
  opts.timeout = static_cast<int>(per_try);
  opts.tries = options.tries;
  // No search list or ndots games: validation queries are always for the exact, fully qualified name.
  // NOCHECKRESP: hand SERVFAIL/REFUSED answers to us as such instead of retrying them (c-ares 1.18 then
  // reports the last socket error, which would hide the rcode from the detail); only timeouts are retried.
  opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
  opts.ednspsz = 1232;  // the DNS Flag Day 2020 size; larger answers come over TCP
  ares_channel channel = nullptr;
  int rc = ares_init_options(&channel, &opts,
                             ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ);
  if (rc != ARES_SUCCESS) {
    if (channel != nullptr) ares_destroy(channel);
    return Error(Code::kUnavailable, std::string("c-ares initialisation failed: ") + ares_strerror(rc));
  }
  if (!options.server.empty()) {
    rc = ares_set_servers_ports_csv(channel, options.server.c_str());
    if (rc != ARES_SUCCESS) {
      ares_destroy(channel);
      return Error(Code::kInvalidArgument,
                   "invalid DNS server \"" + options.server + "\": " + ares_strerror(rc));
    }
  }
  return std::unique_ptr<DnsResolver>(std::make_unique<CaresResolver>(channel, options.timeout));
}

}  // namespace anvil::va
