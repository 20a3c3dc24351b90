// Fuzzes the QuAC importer (`codi import-quac`, cli/quac_importer.h) through
// its stream entry point into an in-memory sink, once as a file named .json
// (the format is then told by the first line) and once named .jsonl. The
// output must be seed documents JSONL that the document reader accepts.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "cli/quac_importer.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/import_output_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  for (const char* name : {"quac.json", "quac.jsonl"}) {
    std::istringstream in(bytes);
    std::unique_ptr<codi::DocumentImportSink> sink = codi::DocumentImportSink::CreateInMemory();
    const absl::Status imported = codi::ImportQuacStream(in, name, *sink);
    if (!imported.ok()) FUZZ_CHECK_CLEAR_ERROR(imported);
    codi::fuzz::CheckImportOutput(*sink);
  }
  return 0;
}
