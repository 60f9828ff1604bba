-- Free-text search through trigram indexes (FTS5's `trigram` tokenizer): a phrase of three or
-- more characters matches any substring, case-insensitively, without reading the whole table.
-- Each searched table has an FTS5 table keyed by the integer of a keys table (the searched
-- tables' own keys are text, and their rowids may change on VACUUM), kept by triggers.

CREATE TABLE partners_search_keys (n INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE partners_search USING fts5(id, organisation, email, tokenize = 'trigram');
INSERT INTO partners_search_keys (key) SELECT id FROM partners;
INSERT INTO partners_search (rowid, id, organisation, email)
  SELECT s.n, t.id, t.organisation, t.email FROM partners t JOIN partners_search_keys s ON s.key = t.id;
CREATE TRIGGER partners_search_insert AFTER INSERT ON partners BEGIN
  INSERT INTO partners_search_keys (key) VALUES (new.id);
  INSERT INTO partners_search (rowid, id, organisation, email)
    VALUES ((SELECT n FROM partners_search_keys WHERE key = new.id), new.id, new.organisation, new.email);
END;
CREATE TRIGGER partners_search_update AFTER UPDATE OF id, organisation, email ON partners BEGIN
  UPDATE partners_search_keys SET key = new.id WHERE key = old.id;
  UPDATE partners_search SET id = new.id, organisation = new.organisation, email = new.email
    WHERE rowid = (SELECT n FROM partners_search_keys WHERE key = new.id);
END;
CREATE TRIGGER partners_search_delete AFTER DELETE ON partners BEGIN
  DELETE FROM partners_search WHERE rowid = (SELECT n FROM partners_search_keys WHERE key = old.id);
  DELETE FROM partners_search_keys WHERE key = old.id;
END;

CREATE TABLE policies_search_keys (n INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE policies_search USING fts5(name, tokenize = 'trigram');
INSERT INTO policies_search_keys (key) SELECT id FROM policies;
INSERT INTO policies_search (rowid, name)
  SELECT s.n, t.name FROM policies t JOIN policies_search_keys s ON s.key = t.id;
CREATE TRIGGER policies_search_insert AFTER INSERT ON policies BEGIN
  INSERT INTO policies_search_keys (key) VALUES (new.id);
  INSERT INTO policies_search (rowid, name)
    VALUES ((SELECT n FROM policies_search_keys WHERE key = new.id), new.name);
END;
CREATE TRIGGER policies_search_update AFTER UPDATE OF id, name ON policies BEGIN
  UPDATE policies_search_keys SET key = new.id WHERE key = old.id;
  UPDATE policies_search SET name = new.name
    WHERE rowid = (SELECT n FROM policies_search_keys WHERE key = new.id);
END;
CREATE TRIGGER policies_search_delete AFTER DELETE ON policies BEGIN
  DELETE FROM policies_search WHERE rowid = (SELECT n FROM policies_search_keys WHERE key = old.id);
  DELETE FROM policies_search_keys WHERE key = old.id;
END;

CREATE TABLE policy_groups_search_keys (n INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE policy_groups_search USING fts5(name, tokenize = 'trigram');
INSERT INTO policy_groups_search_keys (key) SELECT id FROM policy_groups;
INSERT INTO policy_groups_search (rowid, name)
  SELECT s.n, t.name FROM policy_groups t JOIN policy_groups_search_keys s ON s.key = t.id;
CREATE TRIGGER policy_groups_search_insert AFTER INSERT ON policy_groups BEGIN
  INSERT INTO policy_groups_search_keys (key) VALUES (new.id);
  INSERT INTO policy_groups_search (rowid, name)
    VALUES ((SELECT n FROM policy_groups_search_keys WHERE key = new.id), new.name);
END;
CREATE TRIGGER policy_groups_search_update AFTER UPDATE OF id, name ON policy_groups BEGIN
  UPDATE policy_groups_search_keys SET key = new.id WHERE key = old.id;
  UPDATE policy_groups_search SET name = new.name
    WHERE rowid = (SELECT n FROM policy_groups_search_keys WHERE key = new.id);
END;
CREATE TRIGGER policy_groups_search_delete AFTER DELETE ON policy_groups BEGIN
  DELETE FROM policy_groups_search WHERE rowid = (SELECT n FROM policy_groups_search_keys WHERE key = old.id);
  DELETE FROM policy_groups_search_keys WHERE key = old.id;
END;

CREATE TABLE accounts_search_keys (n INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE accounts_search USING fts5(email, display_name, tokenize = 'trigram');
INSERT INTO accounts_search_keys (key) SELECT id FROM accounts;
INSERT INTO accounts_search (rowid, email, display_name)
  SELECT s.n, t.email, t.display_name FROM accounts t JOIN accounts_search_keys s ON s.key = t.id;
CREATE TRIGGER accounts_search_insert AFTER INSERT ON accounts BEGIN
  INSERT INTO accounts_search_keys (key) VALUES (new.id);
  INSERT INTO accounts_search (rowid, email, display_name)
    VALUES ((SELECT n FROM accounts_search_keys WHERE key = new.id), new.email, new.display_name);
END;
CREATE TRIGGER accounts_search_update AFTER UPDATE OF id, email, display_name ON accounts BEGIN
  UPDATE accounts_search_keys SET key = new.id WHERE key = old.id;
  UPDATE accounts_search SET email = new.email, display_name = new.display_name
    WHERE rowid = (SELECT n FROM accounts_search_keys WHERE key = new.id);
END;
CREATE TRIGGER accounts_search_delete AFTER DELETE ON accounts BEGIN
  DELETE FROM accounts_search WHERE rowid = (SELECT n FROM accounts_search_keys WHERE key = old.id);
  DELETE FROM accounts_search_keys WHERE key = old.id;
END;

CREATE TABLE ca_certificates_search_keys (n INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE ca_certificates_search USING fts5(subject, tokenize = 'trigram');
INSERT INTO ca_certificates_search_keys (key) SELECT id FROM ca_certificates;
INSERT INTO ca_certificates_search (rowid, subject)
  SELECT s.n, t.subject FROM ca_certificates t JOIN ca_certificates_search_keys s ON s.key = t.id;
CREATE TRIGGER ca_certificates_search_insert AFTER INSERT ON ca_certificates BEGIN
  INSERT INTO ca_certificates_search_keys (key) VALUES (new.id);
  INSERT INTO ca_certificates_search (rowid, subject)
    VALUES ((SELECT n FROM ca_certificates_search_keys WHERE key = new.id), new.subject);
END;
CREATE TRIGGER ca_certificates_search_update AFTER UPDATE OF id, subject ON ca_certificates BEGIN
  UPDATE ca_certificates_search_keys SET key = new.id WHERE key = old.id;
  UPDATE ca_certificates_search SET subject = new.subject
    WHERE rowid = (SELECT n FROM ca_certificates_search_keys WHERE key = new.id);
END;
CREATE TRIGGER ca_certificates_search_delete AFTER DELETE ON ca_certificates BEGIN
  DELETE FROM ca_certificates_search WHERE rowid = (SELECT n FROM ca_certificates_search_keys WHERE key = old.id);
  DELETE FROM ca_certificates_search_keys WHERE key = old.id;
END;
