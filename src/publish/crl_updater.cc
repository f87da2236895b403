#include "publish/crl_updater.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "base/file.h"
#include "crypto/digest.h"

namespace anvil::publish {
namespace {

// A store that another writer advanced between our read and our write is read again, a few times.
constexpr int kConflictAttempts = 3;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The serial's big-endian bytes from the store's hex text (no leading zeros, possibly of odd length).
Result<std::string> SerialBytes(const std::string& hex) {
  const std::string even = hex.size() % 2 == 0 ? hex : "0" + hex;
  std::string bytes;
  for (size_t i = 0; i < even.size(); i += 2) {
    const int high = HexValue(even[i]), low = HexValue(even[i + 1]);
    if (high < 0 || low < 0) return Error(Code::kInternal, "stored serial \"" + hex + "\" is not hex");
    bytes += static_cast<char>(high * 16 + low);
  }
  if (bytes.empty()) return Error(Code::kInternal, "empty stored serial");
  return bytes;
}

// Big-endian magnitude bytes of a positive number ("\x01" for 1).
std::string NumberBytes(int64_t number) {
  std::string bytes;
  for (auto n = static_cast<uint64_t>(number); n != 0; n >>= 8)
    bytes.insert(bytes.begin(), static_cast<char>(n & 0xff));
  return bytes.empty() ? std::string(1, '\0') : bytes;
}

}  // namespace

std::string CrlUpdater::IssuerId(const crypto::Certificate& issuer) {
  return crypto::HexEncode(issuer.subject_key_id());
}

CrlUpdater::CrlUpdater(CrlUpdaterOptions options, storage::RevocationListStore& store, ca::CrlSigner& signer,
                       const Clock& clock, SteadyClock& steady_clock)
    : options_(std::move(options)),
      store_(store),
      signer_(signer),
      clock_(clock),
      steady_clock_(steady_clock),
      issuer_id_(IssuerId(signer.CrlIssuer())),
      next_due_(steady_clock.Now() + options_.period),
      waiter_(steady_clock.NewWaiter(mu_)) {}

CrlUpdater::~CrlUpdater() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  waiter_->Notify();
  if (thread_.joinable()) thread_.join();
}

void CrlUpdater::Start() {
  thread_ = std::thread([this] { Run(); });
}

void CrlUpdater::Revoked() {
  {
    std::lock_guard lock(mu_);
    const SteadyClock::TimePoint due = steady_clock_.Now() + options_.revocation_delay;
    if (!revocation_due_ || due < *revocation_due_) revocation_due_ = due;
  }
  waiter_->Notify();
}

std::shared_ptr<const std::string> CrlUpdater::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::optional<TimePoint> CrlUpdater::CurrentThisUpdate() const {
  std::lock_guard lock(mu_);
  return current_this_update_;
}

Status CrlUpdater::UpdateNow() {
  std::lock_guard update(update_mu_);
  Result<Made> made = MakeCrl();
  for (int attempt = 1; made.status().code() == Code::kConflict && attempt < kConflictAttempts; ++attempt) {
    made = MakeCrl();
  }
  if (!made.ok()) return made.status();
  auto crl = std::make_shared<const std::string>(std::move(made->der));
  {
    std::lock_guard lock(mu_);
    current_ = crl;
    current_this_update_ = made->this_update;
    next_due_ = steady_clock_.Now() + options_.period;
  }
  if (!options_.output_path.empty()) {
    Status written = WriteFileAtomic(options_.output_path, *crl, 0644);
    if (!written.ok()) return Status(written.code(), "CRL published but not written: " + written.message());
  }
  return Status::Ok();
}

Result<CrlUpdater::Made> CrlUpdater::MakeCrl() {
  Result<storage::CrlState> last = store_.GetCrlState(issuer_id_);
  if (!last.ok() && last.status().code() != Code::kNotFound) return last.status();
  const int64_t last_number = last.ok() ? last->number : 0;
  // Certificates that expired before the last CRL's thisUpdate were on it (or on an earlier one made after
  // they expired): those may go. Before any CRL, everything revoked is listed.
  const TimePoint expired_cutoff = last.ok() ? last->this_update : FromUnixSeconds(0);

  crypto::CrlTemplate tmpl;
  // Whole seconds, as the CRL holds them; never at or before the last thisUpdate, so the cut-off above only
  // moves forward even if the clock steps back.
  TimePoint now = FromUnixSeconds(ToUnixSeconds(clock_.Now()));
  if (last.ok() && now <= last->this_update) now = last->this_update + std::chrono::seconds(1);
  tmpl.this_update = now;
  tmpl.next_update = now + options_.lifetime;
  tmpl.crl_number = NumberBytes(last_number + 1);
  tmpl.distribution_point_url = options_.distribution_point_url;

  const std::string authority_key_id = signer_.CrlIssuer().subject_key_id();
  std::string after;
  while (true) {
    ANVIL_ASSIGN_OR_RETURN(
        std::vector<storage::RevokedCertificate> page,
        store_.ListRevokedCertificates(authority_key_id, expired_cutoff, after, options_.page_size));
    for (const storage::RevokedCertificate& r : page) {
      ANVIL_ASSIGN_OR_RETURN(std::string serial, SerialBytes(r.serial));
      tmpl.entries.push_back(crypto::CrlEntry{std::move(serial), r.revoked_at, r.reason});
    }
    if (page.size() < static_cast<size_t>(options_.page_size)) break;
    after = page.back().serial;
  }

  ANVIL_ASSIGN_OR_RETURN(std::string der, signer_.SignCrl(tmpl));
  // Recorded before anyone can fetch it: a restart never reuses the number.
  ANVIL_RETURN_IF_ERROR(store_.AdvanceCrlState({issuer_id_, last_number + 1, now}, last_number));
  spdlog::info("CRL {} of issuer {}: {} entries", last_number + 1, issuer_id_, tmpl.entries.size());
  return Made{std::move(der), now};
}

void CrlUpdater::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    SteadyClock::TimePoint due = next_due_;
    if (revocation_due_ && *revocation_due_ < due) due = *revocation_due_;
    if (steady_clock_.Now() < due) {
      waiter_->WaitUntil(lock, due);
      continue;
    }
    // Revocations from here on ask for the next CRL; earlier ones are on this one.
    revocation_due_.reset();
    lock.unlock();
    Status made = UpdateNow();
    lock.lock();
    if (!made.ok()) {
      spdlog::error("CRL of issuer {}: {}; retrying in {} s", issuer_id_, made.ToString(),
                    options_.retry_after.count());
      next_due_ = steady_clock_.Now() + options_.retry_after;
    }
  }
}

}  // namespace anvil::publish
