// watch_reverse: gdb.reverse's watch-reverse in miniature, for
// tests/e2e/test_gdb_reverse.py: a breakpoint on the instruction right after
// a watched store. Going back, execution reaches that breakpoint before it
// undoes the store, so gdb (record-full, rr) reports the breakpoint first,
// then the watchpoint.
int ival1 = -1, ival3 = -1;
char cval = 0;

int main(void) {
  int count;
  for (count = 0; count < 4; count++) {
    ival1 = count;  // LINE WATCHED_STORE
    ival3 = count;  // LINE AFTER_STORE
    cval = 'a' + count;  // LINE LOOP_END
  }
  return 0;
}
