// `codi run JOB.yaml`: a whole job in one process, checkpointed in a local
// RocksDB directory; started again with the same command it resumes.
#pragma once

namespace codi {

int RunCommand(int argc, char** argv);

}  // namespace codi
