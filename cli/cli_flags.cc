#include "cli/cli_flags.h"

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

}  // namespace codi
