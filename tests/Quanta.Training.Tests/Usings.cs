global using Xunit;
global using Quanta.Tests;
