// What an importer did: the counts `codi import-*` prints and the warnings it lists.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace codi {

struct ImportStats {
  uint64_t documents = 0;  // documents written
  uint64_t questions = 0;  // seed questions written, over all documents
  uint64_t skipped = 0;    // items left out: malformed, or repeats of an earlier document
  // One line each, naming the file and JSON path or line ("coqa.json: data[3]...").
  std::vector<std::string> warnings;
};

}  // namespace codi
