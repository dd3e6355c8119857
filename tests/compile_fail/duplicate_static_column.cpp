// Must not compile: two source columns map to target column 1.
#include <amalur/amalur.hpp>
int main() { return static_cast<int>(amalur::columns<0, 1, 1>().size()); }
