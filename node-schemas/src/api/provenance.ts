// REST answers of this route family; see the issue work that fills it in.
export {};
