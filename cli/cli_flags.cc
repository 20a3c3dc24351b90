#include "cli/cli_flags.h"

#include <optional>

#include "absl/strings/str_cat.h"

namespace codi {
namespace {

std::string WithNote(const std::string& help, const std::string& note) {
  return note.empty() ? help : help + " (" + note + ")";
}

}  // namespace

void AddCoordinatorFlags(FlagSet* flags, CoordinatorFlags* coordinator, const std::string& note) {
  flags->String("coordinator", "CODI_COORDINATOR", &coordinator->address,
                WithNote("coordinator gRPC address, HOST:PORT", note));
  AddClientSecurityFlags(flags, &coordinator->security);
  flags->Int("timeout-s", "CODI_TIMEOUT_S", &coordinator->timeout_s,
             "seconds the command's call to the coordinator may take (0: 60 for one request, "
             "3600 for submit --docs and export, 86400 for watch)");
}

void AddStateFlag(FlagSet* flags, std::string* dir, const std::string& note) {
  flags->String("state", "CODI_STATE", dir,
                WithNote("RocksDB state directory of `codi run`", note));
}

void AddOutDirFlag(FlagSet* flags, std::string* dir, const std::string& note) {
  flags->String("out", "CODI_OUT", dir, WithNote("output directory", note));
}

void AddDedupFlags(FlagSet* flags, DedupFlags* dedup) {
  flags->String("dedup", "", &dedup->mode,
                "drop duplicate conversations: off, exact (equal normalised text, the default) "
                "or near (also MinHash near-duplicates); the dropped are listed in "
                "OUT/dropped.ndjson");
  flags->Double("near-threshold", "", &dedup->options.near_threshold,
                "estimated Jaccard similarity of word 3-shingles at or above which --dedup near "
                "drops a conversation (default 0.8)");
}

absl::StatusOr<DedupOptions> DedupOptionsFrom(const DedupFlags& dedup) {
  const std::optional<DedupMode> mode = ParseDedupMode(dedup.mode);
  if (!mode.has_value()) return absl::InvalidArgumentError("--dedup must be off, exact or near");
  DedupOptions options = dedup.options;
  options.mode = *mode;
  if (absl::Status valid = ValidateDedupOptions(options); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--near-threshold: ", valid.message()));
  }
  return options;
}

}  // namespace codi
