#!/usr/bin/env node
console.log("khatam");
