// sqlite_driver.c - a real program for bench/bench_real.sh: SQLite (the
// amalgamation, built by the script) running a fixed workload on an
// in-memory database, the same ELF under `rvrr run` and qemu-riscv32.
//
//   sqlite_driver.elf [ORDERS]     (default 20000)
//
// Builds a small shop (customers, products, ORDERS orders) in one
// transaction, indexes it, asks grouping, join, sort, window, date, text and
// recursive queries, runs point lookups through a prepared statement,
// updates and deletes, and checks the database's integrity (exit status 1
// and an error line if any step fails). Every result
// row is folded into a checksum (FNV-1a over each column's text), printed
// per step: the outputs of two emulators are equal only if every query
// returned the same rows. Data comes from a fixed PRNG, so runs are
// deterministic.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sqlite3.h"

static sqlite3* db;
static uint32_t total_hash = 2166136261u;

static uint32_t fnv(uint32_t h, const unsigned char* p, int n) {
  for (int i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

// xorshift32: the data set is the same in every run.
static uint32_t rng = 2463534242u;
static uint32_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static _Noreturn void fail(const char* what) {
  printf("error: %s: %s\n", what, sqlite3_errmsg(db));
  exit(1);
}

static void exec(const char* sql) {
  if (sqlite3_exec(db, sql, 0, 0, 0) != SQLITE_OK) fail(sql);
}

static sqlite3_stmt* prepare(const char* sql) {
  sqlite3_stmt* s;
  if (sqlite3_prepare_v2(db, sql, -1, &s, 0) != SQLITE_OK) fail(sql);
  return s;
}

// Steps s to its end, folding every column of every row into *hash; returns
// the number of rows. Leaves s reset (bindings kept) for the next use.
static unsigned fold_rows(sqlite3_stmt* s, uint32_t* hash) {
  unsigned rows = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(s); c++) {
      const unsigned char* text = sqlite3_column_text(s, c);
      *hash = text ? fnv(*hash, text, sqlite3_column_bytes(s, c)) : fnv(*hash, (const unsigned char*)"\1", 1);
      *hash = fnv(*hash, (const unsigned char*)"|", 1);
    }
    rows++;
  }
  if (rc != SQLITE_DONE) fail(sqlite3_sql(s));
  sqlite3_reset(s);
  return rows;
}

static void report(const char* label, unsigned rows, uint32_t hash) {
  printf("%-10s %6u rows  %08lx\n", label, rows, (unsigned long)hash);
  total_hash = fnv(total_hash, (const unsigned char*)&hash, sizeof hash);
}

static void query(const char* label, const char* sql) {
  sqlite3_stmt* s = prepare(sql);
  uint32_t hash = 2166136261u;
  unsigned rows = fold_rows(s, &hash);
  sqlite3_finalize(s);
  report(label, rows, hash);
}

// A pronounceable name of 2-4 syllables: LIKE and ORDER BY get real text.
static void make_name(char* out) {
  static const char* const syllables[] = {"ka", "lo", "mi", "ren", "sa", "to", "vel", "dor",
                                          "an", "is", "ur", "bex", "qui", "zan", "po", "le"};
  int n = 2 + (int)(next_random() % 3);
  out[0] = 0;
  for (int i = 0; i < n; i++) {
    const char* s = syllables[next_random() % 16];
    char* end = out;
    while (*end) end++;
    while ((*end++ = *s++)) {}
  }
  out[0] = (char)(out[0] - 'a' + 'A');
}

static void load(int orders, int customers, int products) {
  exec("CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT NOT NULL, region INTEGER, balance INTEGER);"
       "CREATE TABLE product(id INTEGER PRIMARY KEY, title TEXT, price INTEGER);"
       "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, product INTEGER, qty INTEGER,"
       " day INTEGER, note TEXT)");
  exec("BEGIN");
  char name[32], note[64];
  sqlite3_stmt* s = prepare("INSERT INTO customer(name, region, balance) VALUES (?, ?, ?)");
  for (int i = 0; i < customers; i++) {
    make_name(name);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, (int)(next_random() % 12));
    sqlite3_bind_int(s, 3, (int)(next_random() % 100000));
    if (sqlite3_step(s) != SQLITE_DONE) fail("insert customer");
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  s = prepare("INSERT INTO product(title, price) VALUES (?, ?)");
  for (int i = 0; i < products; i++) {
    make_name(name);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, 100 + (int)(next_random() % 9900));
    if (sqlite3_step(s) != SQLITE_DONE) fail("insert product");
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  s = prepare("INSERT INTO orders(customer, product, qty, day, note) VALUES (?, ?, ?, ?, ?)");
  for (int i = 0; i < orders; i++) {
    sqlite3_bind_int(s, 1, 1 + (int)(next_random() % (unsigned)customers));
    sqlite3_bind_int(s, 2, 1 + (int)(next_random() % (unsigned)products));
    sqlite3_bind_int(s, 3, 1 + (int)(next_random() % 20));
    sqlite3_bind_int(s, 4, (int)(next_random() % 730));
    make_name(name);
    snprintf(note, sizeof note, "%s order %d", name, i);
    sqlite3_bind_text(s, 5, note, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) fail("insert order");
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  exec("COMMIT");
  exec("CREATE INDEX orders_customer ON orders(customer);"
       "CREATE INDEX orders_day ON orders(day, product);"
       "CREATE INDEX customer_region ON customer(region, name)");
}

// Point lookups through one prepared statement, as an application does.
static void lookups(int count, int customers) {
  sqlite3_stmt* s = prepare("SELECT count(*), sum(qty), max(day) FROM orders WHERE customer = ?");
  uint32_t hash = 2166136261u;
  unsigned rows = 0;
  for (int i = 0; i < count; i++) {
    sqlite3_bind_int(s, 1, 1 + (int)(next_random() % (unsigned)customers));
    rows += fold_rows(s, &hash);
  }
  sqlite3_finalize(s);
  report("lookups", rows, hash);
}

// PRAGMA integrity_check answers one row, "ok", for a sound database.
static void check_integrity(void) {
  sqlite3_stmt* s = prepare("PRAGMA integrity_check");
  if (sqlite3_step(s) != SQLITE_ROW) fail("integrity_check");
  const char* answer = (const char*)sqlite3_column_text(s, 0);
  if (!answer || answer[0] != 'o' || answer[1] != 'k' || answer[2]) {
    printf("error: integrity_check: %s\n", answer ? answer : "(null)");
    exit(1);
  }
  sqlite3_finalize(s);
  printf("integrity  ok\n");
}

int main(int argc, char** argv) {
  int orders = argc > 1 ? atoi(argv[1]) : 20000;
  if (orders < 10) orders = 10;
  int customers = orders / 10, products = 200;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) fail("open");
  printf("sqlite %s, %d orders\n", sqlite3_libversion(), orders);

  load(orders, customers, products);
  query("count", "SELECT count(*), sum(qty), sum(length(note)) FROM orders");
  query("regions",
        "SELECT region, count(*), sum(balance), avg(balance), min(name), max(name) FROM customer"
        " GROUP BY region ORDER BY region");
  query("revenue",
        "SELECT c.region, p.id % 10, count(*), sum(o.qty * p.price) FROM orders o"
        " JOIN customer c ON c.id = o.customer JOIN product p ON p.id = o.product"
        " GROUP BY 1, 2 ORDER BY 1, 2");
  query("top",
        "SELECT o.id, c.name, p.title, o.qty * p.price AS total FROM orders o"
        " JOIN customer c ON c.id = o.customer JOIN product p ON p.id = o.product"
        " ORDER BY total DESC, o.id LIMIT 50");
  query("names",
        "SELECT name, count(*) FROM customer WHERE name LIKE '%ka%' OR name GLOB '*[vz]*'"
        " GROUP BY name ORDER BY 2 DESC, 1 LIMIT 100");
  query("window",
        "SELECT day, sum(qty), sum(sum(qty)) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW),"
        " rank() OVER (ORDER BY sum(qty) DESC) FROM orders GROUP BY day ORDER BY day");
  query("months",
        "SELECT strftime('%Y-%m', 2460676.5 + day) AS month, count(*), sum(qty) FROM orders"
        " GROUP BY month ORDER BY month");
  query("text",
        "SELECT upper(substr(note, 1, 8)) || length(note), hex(id), replace(note, 'order', '#')"
        " FROM orders WHERE day BETWEEN 100 AND 130 ORDER BY note LIMIT 300");
  query("cte",
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000)"
        " SELECT count(*), sum(x * x % 97), group_concat(x, ',') FILTER (WHERE x % 1999 = 0) FROM n");
  query("subquery",
        "SELECT id, name FROM customer c WHERE balance > (SELECT avg(balance) FROM customer"
        " WHERE region = c.region) AND EXISTS (SELECT 1 FROM orders WHERE customer = c.id AND qty > 18)"
        " ORDER BY id");
  lookups(orders / 4, customers);

  exec("BEGIN");
  exec("UPDATE customer SET balance = balance - (SELECT coalesce(sum(qty), 0) FROM orders"
       " WHERE customer = customer.id) WHERE region % 3 = 0");
  exec("DELETE FROM orders WHERE qty < 4 OR product % 17 = 0");
  exec("UPDATE orders SET note = note || ' (late)', day = day + 1 WHERE day % 10 = 0");
  exec("COMMIT");
  query("after",
        "SELECT count(*), sum(qty), sum(day), sum(length(note)), (SELECT sum(balance) FROM customer)"
        " FROM orders");
  check_integrity();

  sqlite3_close(db);
  printf("checksum %08lx\n", (unsigned long)total_hash);
  return 0;
}
