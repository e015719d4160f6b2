// ringcast-schema: prints the event catalogue generated from the schema (as
// Markdown, as JSON for other languages' bindings, as TypeScript for the
// dashboard), checks a generated TypeScript file, or rewrites the generated
// block of a document (docs/PROTOCOL.md).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "schema_doc.hpp"

int main(int argc, char** argv) {
  const std::string_view cmd = argc > 1 ? argv[1] : "";
  if (cmd == "--markdown" && argc == 2) {
    std::fputs(ringcast::tools::schema_markdown().c_str(), stdout);
    return 0;
  }
  if (cmd == "--json" && argc == 2) {
    std::fputs(ringcast::tools::schema_json().c_str(), stdout);
    return 0;
  }
  if (cmd == "--typescript" && argc == 2) {
    std::fputs(ringcast::tools::schema_typescript().c_str(), stdout);
    return 0;
  }
  if (cmd == "--check-typescript" && argc == 3) {
    std::ifstream in(argv[2]);
    std::stringstream text;
    text << in.rdbuf();
    if (in && text.str() == ringcast::tools::schema_typescript()) return 0;
    std::fprintf(stderr,
                 "ringcast-schema: %s is %s: regenerate it with\n"
                 "  ringcast-schema --typescript > %s\n",
                 argv[2], in ? "stale (not what the payload structs generate)" : "missing", argv[2]);
    return 1;
  }
  if (cmd == "--update" && argc == 3) {
    std::ifstream in(argv[2]);
    std::stringstream doc;
    doc << in.rdbuf();
    const std::string updated = ringcast::tools::with_schema_block(doc.str());
    if (!in || updated.empty()) {
      std::fprintf(stderr, "ringcast-schema: %s has no schema:begin/schema:end markers\n", argv[2]);
      return 1;
    }
    std::ofstream(argv[2]) << updated;
    return 0;
  }
  std::fprintf(cmd == "--help" ? stdout : stderr,
               "usage: ringcast-schema --markdown        print the event catalogue as Markdown\n"
               "       ringcast-schema --json            print the schema as JSON (types, fields, offsets, enums)\n"
               "       ringcast-schema --typescript      print the TypeScript types of every event and the envelope\n"
               "       ringcast-schema --check-typescript FILE   exit 1 unless FILE is what --typescript prints\n"
               "       ringcast-schema --update FILE     rewrite FILE's generated catalogue block\n");
  return cmd == "--help" ? 0 : 2;
}
