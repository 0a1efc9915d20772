CREATE TABLE `facts` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
