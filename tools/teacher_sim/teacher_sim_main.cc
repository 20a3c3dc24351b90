#include <cstdio>

int main(int argc, char** argv) {
  std::fprintf(stderr, "codi-teacher-sim: not yet implemented\n");
  return 2;
}
