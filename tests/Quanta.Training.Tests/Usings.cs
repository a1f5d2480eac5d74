global using Quanta.Tests;
global using Xunit;
