#include "cli/cli_flags.h"

namespace codi {
namespace {

std::string WithNote(const std::string& help, const std::string& note) {
  return note.empty() ? help : help + " (" + note + ")";
}

}  // namespace

void AddCoordinatorFlag(FlagSet* flags, std::string* address, const std::string& note) {
  flags->String("coordinator", "CODI_COORDINATOR", address,
                WithNote("coordinator gRPC address, HOST:PORT", note));
}

void AddStateFlag(FlagSet* flags, std::string* dir, const std::string& note) {
  flags->String("state", "CODI_STATE", dir,
                WithNote("RocksDB state directory of `codi run`", note));
}

void AddOutDirFlag(FlagSet* flags, std::string* dir, const std::string& note) {
  flags->String("out", "CODI_OUT", dir, WithNote("output directory", note));
}

}  // namespace codi
