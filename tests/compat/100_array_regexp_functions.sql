-- Array and regular-expression built-ins pg_dump and applications call: the
-- table functions regexp_matches, regexp_split_to_table, pg_options_to_table,
-- array_remove/replace/position(s), string_to_array, name subscripts.
select * from regexp_split_to_table('the quick  fox', ' +');
select regexp_split_to_table('abc', '');
select regexp_split_to_array('axb', 'x*'), regexp_split_to_array('', ','), regexp_split_to_array(',a,', ',');
select regexp_matches('foobarbequebaz', '(bar)(beque)');
select regexp_matches('foobarbequebazilbarfbonk', '(b[^b]+)(b[^b]+)', 'g');
select regexp_matches('abc', 'B', 'i');
select * from regexp_matches('abc', '(x)?(b)') m;
select regexp_split_to_table('a', 'x', 'g');
select regexp_matches('a', 'a', 'z');
select * from pg_options_to_table(array['fillfactor=70', 'x']);
select * from pg_options_to_table(null);
select array_remove(array[1,2,1,null], 1), array_remove(array[1,null], null), array_replace(array['a','b'], 'a', 'z');
select array_position(array['a','b','a'], 'a', 2), array_position(array[1], 5), array_positions(array[1,2,1], 1), array_position(array[1,null], null);
select array_append(array[1,2], 3), array_prepend(0, array[1]), array_cat(array[1], array[2,3]);
select string_to_array('a,b,,c', ','), string_to_array('a,b,,c', ',', ''), string_to_array('abc', null), string_to_array('abc', ''), string_to_array('', ',');
select array_position(array[1], 1, null);
select typname[0], typname[1], typname[100] from pg_type where typname = '_int4';
