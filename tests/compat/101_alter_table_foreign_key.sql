-- ALTER TABLE ADD FOREIGN KEY (as pg_dump writes them): existing rows are
-- checked, duplicate names refused; creating a foreign key needs REFERENCES
-- on the referenced table or its columns.
create role fk_user login;
create table parent(id int primary key, secret text);
insert into parent values (1, 's');
create table child(id int, pid int);
insert into child values (1, 1), (2, 5);
alter table child add constraint child_pid_fkey foreign key (pid) references parent(id);
delete from child where pid = 5;
alter table child add constraint child_pid_fkey foreign key (pid) references parent(id);
alter table child add constraint child_pid_fkey foreign key (pid) references parent(id);
insert into child values (3, 7);
grant create on schema public to fk_user;
set role fk_user;
create table mine(pid int references parent(id));
create table mine2(pid int);
alter table mine2 add foreign key (pid) references parent(id);
reset role;
grant references (id) on parent to fk_user;
set role fk_user;
create table mine(pid int references parent(id));
reset role;
\d child
