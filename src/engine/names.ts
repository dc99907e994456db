// Container names (moby daemon/names.go and pkg/namesgenerator): the allowed characters, and a generated
// "adjective_surname" when the client gives none.
import { randomInt } from 'node:crypto';
import { invalidParameter } from './errors.ts';

const VALID = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateName(name: string): string {
  if (!VALID.test(name)) throw invalidParameter(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith('/') ? name : `/${name}`;
}

const LEFT = ['admiring', 'bold', 'busy', 'clever', 'eager', 'focused', 'gifted', 'happy', 'keen', 'nifty', 'quirky', 'serene', 'vibrant', 'wizardly'];
const RIGHT = ['babbage', 'curie', 'dijkstra', 'hopper', 'knuth', 'lamarr', 'lovelace', 'noether', 'ritchie', 'thompson', 'torvalds', 'turing'];

export function generateName(taken: (name: string) => boolean): string {
  for (let retry = 0; ; retry++) {
    let name = `/${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`;
    if (retry > 0) name += randomInt(10);
    if (!taken(name)) return name;
  }
}
